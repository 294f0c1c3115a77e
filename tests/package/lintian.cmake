# package.lintian: Debian's package checker finds no error in the .deb files (warnings are shown).
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
find_packages()
execute_process(COMMAND ${LINTIAN} --fail-on error --display-info --tag-display-limit 0
        ${RUNTIME_DEB} ${DEVEL_DEB}
    OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
message("${out}${err}")
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "lintian failed (${rc})")
endif()
