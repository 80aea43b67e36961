# cmake/packaging.cmake - what `cmake --install` gives other projects and
# the system, besides the binaries: the pkg-config file (fakedri.pc), the
# CMake package (fakedriConfig.cmake, fakedriConfigVersion.cmake), and
# contrib/'s systemd unit and udev rule for the CUSE daemon.
#
# Both packages describe the two installed headers, <fakedri/fakedri_drm.h>
# (the uapi) and <fakedri/fakedri_fault.h> (the fault-injection client
# API). No library is offered for linking: the client API's functions live
# in the shim, which `fakedri run` preloads, so a program either calls them
# and runs only under fakedri, or finds them with dlsym (docs/packaging.md).
# The .pc and the unit are written at install time, so they hold the
# prefix given to `cmake --install --prefix`; the CMake package is
# relocatable (paths relative to its own directory).
include(CMakePackageConfigHelpers)

set(FAKEDRI_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/fakedri)
configure_package_config_file(cmake/fakedriConfig.cmake.in
  ${CMAKE_BINARY_DIR}/packaging/fakedriConfig.cmake
  INSTALL_DESTINATION ${FAKEDRI_CMAKE_DIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_BINDIR CMAKE_INSTALL_LIBDIR)
# 0.x: a minor version may change the uapi
write_basic_package_version_file(${CMAKE_BINARY_DIR}/packaging/fakedriConfigVersion.cmake
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES ${CMAKE_BINARY_DIR}/packaging/fakedriConfig.cmake
              ${CMAKE_BINARY_DIR}/packaging/fakedriConfigVersion.cmake
        DESTINATION ${FAKEDRI_CMAKE_DIR})

# fakedri_install_configured(SRC DEST_DIR NAME): configure SRC at install
# time (@prefix@, @bindir@, @libdir@, @includedir@, @version@ from the
# prefix being installed to) and install it as DEST_DIR/NAME.
function(fakedri_install_configured src dest name)
  install(CODE "
    set(prefix \"\${CMAKE_INSTALL_PREFIX}\")
    set(bindir \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
    set(libdir \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}\")
    set(includedir \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_INCLUDEDIR}\")
    set(version \"${PROJECT_VERSION}\")
    configure_file(\"${CMAKE_SOURCE_DIR}/${src}\"
      \"${CMAKE_BINARY_DIR}/packaging/install/${name}\" @ONLY)
    file(INSTALL \"${CMAKE_BINARY_DIR}/packaging/install/${name}\"
      DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${dest}\")
  ")
endfunction()

fakedri_install_configured(cmake/fakedri.pc.in ${CMAKE_INSTALL_LIBDIR}/pkgconfig fakedri.pc)

# contrib/: the CUSE daemon as a system service, and its nodes' permissions
fakedri_install_configured(contrib/systemd/fakedrid.service.in lib/systemd/system fakedrid.service)
install(FILES contrib/udev/70-fakedri.rules DESTINATION lib/udev/rules.d)
