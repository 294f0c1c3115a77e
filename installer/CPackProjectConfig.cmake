# Read by cpack once per generator (CPACK_PROJECT_CONFIG_FILE), with CPACK_GENERATOR set to it.
if(CPACK_GENERATOR STREQUAL "DEB")
    # A system package: everything under /usr, the library in /usr/lib/<multiarch>.
    set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
    # Each package's Description is its component's: summary line, then the long text. Without
    # this, CPack would put the project summary in front of both.
    unset(CPACK_PACKAGE_DESCRIPTION_SUMMARY)
elseif(CPACK_GENERATOR STREQUAL "TGZ")
    # Relocatable: bin/, lib/..., include/, share/ at the top of the archive's directory.
    set(CPACK_PACKAGING_INSTALL_PREFIX "")
endif()
