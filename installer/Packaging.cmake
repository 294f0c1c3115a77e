# qtpyvenv_setup_packaging(<installer source dir> <installer binary dir>): the desktop integration
# files, the Debian documentation files and CPack. Called from installer/CMakeLists.txt, which the
# top-level adds after every target and install rule; being a function, it keeps its variables
# to itself.
#
#   cpack -G DEB   -> qtpyvenv_<version>_<arch>.deb       component Runtime
#                     qtpyvenv-dev_<version>_<arch>.deb   component Devel
#   cpack -G TGZ   -> qtpyvenv-<version>-Linux.tar.gz     every component, relocatable
#
# The version is PROJECT_VERSION, from project() in the top-level CMakeLists.txt.

set(QTPYVENV_PACKAGE_MAINTAINER "QtPyVenv developers <dev@qtpyvenv.invalid>"
    CACHE STRING "The Maintainer of the Debian packages")

# _qtpyvenv_configure_doc(<template> <output> <var>): configure_file(@ONLY), then compress the
# way Debian does when gzip exists (-9n: no name, no timestamp: reproducible packages).
# Sets <var> to the file to install.
function(_qtpyvenv_configure_doc template output var)
    configure_file(${template} ${output} @ONLY)
    find_program(QTPYVENV_GZIP gzip)
    mark_as_advanced(QTPYVENV_GZIP)
    if(QTPYVENV_GZIP)
        execute_process(COMMAND ${QTPYVENV_GZIP} -9nc ${output} OUTPUT_FILE ${output}.gz
            COMMAND_ERROR_IS_FATAL ANY)
        set(${var} ${output}.gz PARENT_SCOPE)
    else()
        set(${var} ${output} PARENT_SCOPE)
    endif()
endfunction()

function(qtpyvenv_setup_packaging installer_dir binary_dir)
    # The release date of the version (AppStream <release>, changelog, man pages): update it
    # together with the version in the top-level project().
    set(QTPYVENV_RELEASE_DATE 2026-11-25)
    set(QTPYVENV_APP_ID io.qtpyvenv.QtPyVenv) # AppStream id, .desktop and .metainfo.xml file names
    execute_process(COMMAND date -u -R -d "${QTPYVENV_RELEASE_DATE} 12:00"
        OUTPUT_VARIABLE QTPYVENV_RELEASE_DATE_RFC2822 OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
    set(QTPYVENV_DEB_SOURCE qtpyvenv)

    # --- Desktop integration, with the app ---------------------------------------------------
    if(TARGET qtpyvenv)
        set(icon ${PROJECT_SOURCE_DIR}/resources/qtpyvenv.svg)
        configure_file(${installer_dir}/${QTPYVENV_APP_ID}.metainfo.xml.in
            ${binary_dir}/${QTPYVENV_APP_ID}.metainfo.xml @ONLY)
        install(FILES ${installer_dir}/${QTPYVENV_APP_ID}.desktop
            DESTINATION ${CMAKE_INSTALL_DATADIR}/applications COMPONENT Runtime)
        install(FILES ${icon}
            DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps COMPONENT Runtime)
        install(FILES ${binary_dir}/${QTPYVENV_APP_ID}.metainfo.xml
            DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo COMPONENT Runtime)
        _qtpyvenv_configure_doc(${installer_dir}/qtpyvenv.1.in ${binary_dir}/qtpyvenv.1 man)
        install(FILES ${man} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT Runtime)
    endif()
    if(TARGET qtpyvenv-call)
        _qtpyvenv_configure_doc(${installer_dir}/qtpyvenv-call.1.in ${binary_dir}/qtpyvenv-call.1 man)
        install(FILES ${man} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT Runtime)
    endif()

    # --- share/doc/<package>/{copyright,changelog.gz}, for each package ----------------------
    _qtpyvenv_configure_doc(${installer_dir}/changelog.in ${binary_dir}/changelog changelog)
    install(FILES ${installer_dir}/copyright ${changelog}
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/qtpyvenv COMPONENT Runtime)
    install(FILES ${installer_dir}/copyright ${changelog}
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/qtpyvenv-dev COMPONENT Devel)

    if(CMAKE_LIBRARY_ARCHITECTURE AND EXISTS /etc/debian_version
            AND NOT CMAKE_INSTALL_LIBDIR STREQUAL "lib/${CMAKE_LIBRARY_ARCHITECTURE}")
        message(WARNING "CMAKE_INSTALL_LIBDIR is ${CMAKE_INSTALL_LIBDIR}: the .deb will have the library in "
            "/usr/${CMAKE_INSTALL_LIBDIR}, not in the multiarch /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}. "
            "Configure with -DCMAKE_INSTALL_LIBDIR=lib/${CMAKE_LIBRARY_ARCHITECTURE} to package for Debian.")
    endif()

    # An install rule outside Runtime and Devel would be left out of the Debian packages.
    get_cmake_property(components COMPONENTS)
    list(REMOVE_ITEM components Runtime Devel)
    if(components)
        message(WARNING "Install rules in component(s) ${components} are not in the Debian packages: "
            "install with COMPONENT Runtime or COMPONENT Devel.")
    endif()

    # --- CPack -------------------------------------------------------------------------------
    set(CPACK_PACKAGE_NAME qtpyvenv)
    set(CPACK_PACKAGE_VENDOR "QtPyVenv contributors")
    set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
    set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
    set(CPACK_PACKAGE_HOMEPAGE_URL "${PROJECT_HOMEPAGE_URL}")
    set(CPACK_PACKAGE_CONTACT "${QTPYVENV_PACKAGE_MAINTAINER}")
    set(CPACK_RESOURCE_FILE_LICENSE ${installer_dir}/copyright)
    set(CPACK_PACKAGE_CHECKSUM SHA256)
    set(CPACK_STRIP_FILES ON)
    set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS # 0755 whatever the umask
        OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
    set(CPACK_COMPONENTS_ALL Runtime Devel)
    # Per-generator settings (install prefix, descriptions), read by cpack for each generator.
    set(CPACK_PROJECT_CONFIG_FILE ${installer_dir}/CPackProjectConfig.cmake)
    set(CPACK_SOURCE_GENERATOR TGZ)
    set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build[^/]*/" "/_build[^/]*/" "__pycache__" "\\\\.user$")

    find_program(QTPYVENV_DPKG_DEB dpkg-deb)
    mark_as_advanced(QTPYVENV_DPKG_DEB)
    if(QTPYVENV_DPKG_DEB)
        set(CPACK_GENERATOR DEB TGZ)
    else()
        set(CPACK_GENERATOR TGZ)
    endif()

    # .tar.gz: one archive with every component; relative paths, untar it anywhere.
    set(CPACK_ARCHIVE_COMPONENT_INSTALL OFF)

    # .deb: one package per component.
    set(CPACK_DEB_COMPONENT_INSTALL ON)
    set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
    set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${QTPYVENV_PACKAGE_MAINTAINER}")
    set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
    set(CPACK_DEBIAN_PACKAGE_SOURCE ${QTPYVENV_DEB_SOURCE})
    set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
    set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON) # qtpyvenv-dev: Depends qtpyvenv (= version)

    set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME qtpyvenv)
    set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION devel)
    # The shared libraries the binaries link (dpkg-shlibdeps), and what the library runs.
    set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
    set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "python3 (>= 3.8), python3-venv")
    # Qt's SVG plugins, which shlibdeps cannot see: the app's icons are SVG (none show without).
    set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS "libqt6svg6")
    # DEBIAN/shlibs for libQtPyVenv.so.N and the ldconfig trigger.
    set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
    set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
    set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA ${installer_dir}/debian/triggers)

    set(CPACK_DEBIAN_DEVEL_PACKAGE_NAME qtpyvenv-dev)
    set(CPACK_DEBIAN_DEVEL_PACKAGE_SECTION libdevel)
    set(CPACK_DEBIAN_DEVEL_PACKAGE_DEPENDS "qt6-base-dev (>= ${Qt6_VERSION_MAJOR}.${Qt6_VERSION_MINOR})")

    set(runtime_description "Run Python virtual environments as workers of Qt programs
QtPyVenv runs a Python virtual environment as a long-lived compute worker of a
Qt program: it creates the venv, pip-installs the requirements only when they
changed, starts one Python worker process, loads Python sources into it and
calls named Python functions with JSON arguments.
.
This package contains the shared library and the qtpyvenv-call command")
    if(TARGET qtpyvenv)
        string(APPEND runtime_description ",
and the qtpyvenv desktop app to manage environments and call into them")
    endif()
    string(APPEND runtime_description ".")

    include(CPack)

    cpack_add_component(Runtime
        DISPLAY_NAME "QtPyVenv"
        DESCRIPTION "${runtime_description}"
        REQUIRED)
    cpack_add_component(Devel
        DISPLAY_NAME "QtPyVenv development files"
        DESCRIPTION "Development files for the QtPyVenv Qt library
QtPyVenv runs a Python virtual environment as a long-lived compute worker of a
Qt program.
.
This package contains the C++ headers and the CMake package: use
find_package(QtPyVenv) and link to QtPyVenv::QtPyVenv."
        DEPENDS Runtime)
endfunction()
