cmake_minimum_required(VERSION 3.25)
# Helpers for the package test scripts (cmake -P). Failed checks are reported with
# message(SEND_ERROR): the script goes on, so one run lists every problem, and exits non-zero.

# run(<command> <arg>... [WORKING_DIRECTORY <dir>] [OUTPUT <var>] [ENV <name=value>...])
# Runs a command, fails the test (FATAL_ERROR) when it exits non-zero. OUTPUT gets stdout.
function(run)
    cmake_parse_arguments(PARSE_ARGV 0 arg "" "WORKING_DIRECTORY;OUTPUT" "ENV")
    set(command ${arg_UNPARSED_ARGUMENTS})
    if(arg_ENV)
        set(command ${CMAKE_COMMAND} -E env ${arg_ENV} ${command})
    endif()
    if(NOT arg_WORKING_DIRECTORY)
        set(arg_WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
    endif()
    list(JOIN arg_UNPARSED_ARGUMENTS " " shown)
    message(STATUS "$ ${shown}")
    execute_process(COMMAND ${command} WORKING_DIRECTORY ${arg_WORKING_DIRECTORY}
        OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "failed (${rc}): ${shown}\n--- stdout\n${out}\n--- stderr\n${err}")
    endif()
    if(arg_OUTPUT)
        set(${arg_OUTPUT} "${out}" PARENT_SCOPE)
    endif()
endfunction()

# check(<condition>... MESSAGE <text>): an if() condition that must hold.
function(check)
    cmake_parse_arguments(PARSE_ARGV 0 arg "" "MESSAGE" "")
    if(${arg_UNPARSED_ARGUMENTS})
        message(STATUS "ok: ${arg_MESSAGE}")
    else()
        message(SEND_ERROR "FAILED: ${arg_MESSAGE}")
    endif()
endfunction()

# find_one(<var> <glob>): the one file matching <glob> in PACKAGES_DIR.
function(find_one var glob)
    file(GLOB found ${PACKAGES_DIR}/${glob})
    list(LENGTH found n)
    if(NOT n EQUAL 1)
        message(FATAL_ERROR "expected one ${glob} in ${PACKAGES_DIR}, found ${n}: ${found}\n"
            "(the package.build test makes them; it needs the project built first)")
    endif()
    set(${var} ${found} PARENT_SCOPE)
endfunction()

# fresh_dir(<dir>): an empty directory.
function(fresh_dir dir)
    file(REMOVE_RECURSE ${dir})
    file(MAKE_DIRECTORY ${dir})
endfunction()

# The packages the package.build test makes.
macro(find_packages)
    find_one(RUNTIME_DEB "qtpyvenv_${VERSION}_*.deb")
    find_one(DEVEL_DEB "qtpyvenv-dev_${VERSION}_*.deb")
endmacro()

string(REGEX MATCH "^[0-9]+" VERSION_MAJOR "${VERSION}")
