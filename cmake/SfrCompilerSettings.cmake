# Shared compiler settings: warnings on, ccache when present, optional sanitizers.
find_program(SFR_CCACHE ccache)
if(SFR_CCACHE)
  # PCH and ccache only cooperate with this sloppiness, so the launcher sets it for every compile.
  set(_sfr_launcher ${CMAKE_COMMAND} -E env
      "CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime" ${SFR_CCACHE})
  set(CMAKE_C_COMPILER_LAUNCHER ${_sfr_launcher})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${_sfr_launcher})
endif()

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()

add_library(sfr_warnings INTERFACE)
target_compile_options(sfr_warnings INTERFACE -Wall -Wextra -Wpedantic -Wno-unused-parameter)

if(SFR_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# Marks a target as toolkit-free of Qt's moc (qt_standard_project_setup turns AUTOMOC on globally).
function(sfr_no_qt target)
  set_target_properties(${target} PROPERTIES AUTOMOC OFF AUTOUIC OFF AUTORCC OFF)
endfunction()
