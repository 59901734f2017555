# The studio's translations, included from ui/CMakeLists.txt (the .qm files are resources of
# sfr_ui, so they must be added in its directory). The .ts files in this folder are the sources;
# lrelease compiles them into build/<preset>/ui/sfr_studio_<lang>.qm at build time (never
# committed), which are embedded under ":/i18n" and installed into
# share/sfr-studio/translations. Targets: sfr_ui_lupdate (alias of translations/update.sh),
# sfr_ui_lrelease. New strings: run translations/update.sh, translate, commit the .ts files.
set(SFR_TS_FILES
  ${PROJECT_SOURCE_DIR}/translations/sfr_studio_zh_CN.ts
  ${PROJECT_SOURCE_DIR}/translations/sfr_studio_de.ts)
# What lupdate reads: everything of ui/ and app/studio (the same set translations/update.sh scans).
file(GLOB_RECURSE SFR_TR_SOURCES CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/ui/*.cpp ${PROJECT_SOURCE_DIR}/ui/*.h
     ${PROJECT_SOURCE_DIR}/app/studio/*.cpp ${PROJECT_SOURCE_DIR}/app/studio/*.h)
qt_add_translations(sfr_ui
  TS_FILES ${SFR_TS_FILES}
  SOURCES ${SFR_TR_SOURCES}
  INCLUDE_DIRECTORIES ${PROJECT_SOURCE_DIR}/ui/include
  LUPDATE_OPTIONS -no-obsolete -locations relative
  RESOURCE_PREFIX /i18n)
set(SFR_QM_FILES)
foreach(ts ${SFR_TS_FILES})
  get_filename_component(name ${ts} NAME_WLE)
  list(APPEND SFR_QM_FILES ${CMAKE_CURRENT_BINARY_DIR}/${name}.qm)
endforeach()
set(SFR_QM_FILES ${SFR_QM_FILES} CACHE INTERNAL "The studio's compiled translations")
install(FILES ${SFR_QM_FILES} DESTINATION ${CMAKE_INSTALL_DATADIR}/sfr-studio/translations
        COMPONENT studio)
