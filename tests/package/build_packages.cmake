# package.build: run cpack in the build tree; check it made the .deb files and the .tar.gz.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

string(REPLACE "|" ";" BUILT_FILES "${BUILT_FILES}")
foreach(file IN LISTS BUILT_FILES)
    if(NOT EXISTS "${file}")
        message(FATAL_ERROR "${file} does not exist: build the project before running the package tests")
    endif()
endforeach()

fresh_dir(${PACKAGES_DIR})
run(${CPACK} --config ${CPACK_CONFIG} -B ${PACKAGES_DIR})
if(HAVE_DEB)
    find_packages()
    message(STATUS "made ${RUNTIME_DEB}")
    message(STATUS "made ${DEVEL_DEB}")
endif()
find_one(tarball "qtpyvenv-${VERSION}-Linux.tar.gz")
message(STATUS "made ${tarball}")
