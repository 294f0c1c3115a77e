# package.tgz_embed / package.deb_embed: install a package into a temporary prefix (untar the
# .tar.gz, or unpack both .deb files), then build examples/embed against it with
# find_package(QtPyVenv) and run it; run the installed qtpyvenv-call too.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
fresh_dir(${WORK_DIR})
if(MODE STREQUAL "tgz")
    find_one(tarball "qtpyvenv-${VERSION}-Linux.tar.gz")
    run(${CMAKE_COMMAND} -E tar xf ${tarball} WORKING_DIRECTORY ${WORK_DIR})
    set(prefix ${WORK_DIR}/qtpyvenv-${VERSION}-Linux)
elseif(MODE STREQUAL "deb")
    find_packages()
    run(${DPKG_DEB} --extract ${RUNTIME_DEB} ${WORK_DIR}/root)
    run(${DPKG_DEB} --extract ${DEVEL_DEB} ${WORK_DIR}/root)
    set(prefix ${WORK_DIR}/root/usr)
else()
    message(FATAL_ERROR "MODE must be tgz or deb")
endif()
check(EXISTS ${prefix}/${LIBDIR}/cmake/QtPyVenv/QtPyVenvConfig.cmake
    MESSAGE "the CMake package is in ${LIBDIR}/cmake/QtPyVenv")

# Build the example against the prefix, and nothing else: no package registry, no build tree.
set(build ${WORK_DIR}/build-embed)
run(${CMAKE_COMMAND} -S ${EXAMPLE_DIR} -B ${build} -G ${GENERATOR}
    -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF
    OUTPUT out)
message(STATUS "${out}")
file(STRINGS ${build}/CMakeCache.txt dir REGEX "^QtPyVenv_DIR:")
string(REGEX REPLACE "^[^=]*=" "" dir "${dir}")
file(REAL_PATH ${dir} dir)
file(REAL_PATH ${prefix} real_prefix)
string(FIND "${dir}" "${real_prefix}/" at)
check(at EQUAL 0 MESSAGE "find_package(QtPyVenv) found the installed package (${dir})")
run(${CMAKE_COMMAND} --build ${build})

run(${build}/qtpyvenv-embed OUTPUT out)
message(STATUS "qtpyvenv-embed said:\n${out}")
check(out MATCHES "stats: {\"mean\":2\\.5,\"n\":4,\"stdev\":1\\.118" MESSAGE "callAndAwait returned the stats")
check(out MATCHES "greet: {\"greeting\":\"Hello, QtPyVenv!\",\"python\":\"3\\." MESSAGE "call + await returned the greeting")
check(out MATCHES "divide: PythonError: ZeroDivisionError" MESSAGE "a Python exception came back as an Error")

# The installed tool, on the example's Python source.
set(env LD_LIBRARY_PATH=${prefix}/${LIBDIR})
run(${prefix}/bin/qtpyvenv-call --version ENV ${env} OUTPUT out)
string(STRIP "${out}" out)
check(out STREQUAL "qtpyvenv-call ${VERSION}" MESSAGE "qtpyvenv-call --version: ${out}")
run(${prefix}/bin/qtpyvenv-call --source ${EXAMPLE_DIR}/service.py stats "{\"values\": [2, 4]}"
    ENV ${env} OUTPUT out)
check(out MATCHES "\"mean\": 3" MESSAGE "the installed qtpyvenv-call calls Python")
