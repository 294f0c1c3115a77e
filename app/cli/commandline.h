// SPDX-License-Identifier: MIT
// qtpyvenv-call's command line: its options and --help, and the call they ask for.
#pragma once

#include "resultoutput.h"

#include <QtPyVenv/venv.h>

#include <variant>

class QCoreApplication;

//! The call the command line asks for.
struct CallRequest {
    QString function;
    QtPyVenv::Arguments arguments; //!< as given; callArguments() makes the call's of them
    QtPyVenv::Config config;
    OutputOptions output;
};

//! What is wrong with the command line: the tool says so and exits with ExitUsage.
struct UsageError {
    QString message;
};

/*!
 * Reads \a app's command line and the source files it names. As QCommandLineParser::process()
 * does, prints the help or the version, or an unknown option, and exits for them.
 */
std::variant<CallRequest, UsageError> parseCommandLine(const QCoreApplication &app);

/*!
 * The arguments to call \a request's function with, once the worker has told the signatures of
 * the \a functions the sources define.
 */
QtPyVenv::Arguments callArguments(const CallRequest &request, const QList<QtPyVenv::FunctionInfo> &functions);
