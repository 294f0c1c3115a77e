// SPDX-License-Identifier: MIT
#pragma once

#include <QIcon>
#include <QObject>
#include <QString>

//! The QtPyVenv desktop app's own code: models, environment runtime and widgets.
namespace QtPyVenvApp {
Q_NAMESPACE

/*!
 * What the app shows for an environment. Derived from QtPyVenv::State and, while it is
 * Starting, QtPyVenv::StartPhase: Installing is the StartPhase::Installing part of a start.
 */
enum class EnvStatus {
    Stopped,    //!< No worker: never started, or stopped by the user.
    Starting,   //!< Creating the venv or launching the worker (StartPhase CreatingVenv, Launching).
    Installing, //!< pip installs the requirements (StartPhase::Installing).
    Ready,      //!< The worker runs: calls work.
    Died,       //!< The worker exited unexpectedly.
    Failed,     //!< The last start failed (install error, SyntaxError, no interpreter).
};
Q_ENUM_NS(EnvStatus)

/*! State of one call, as the Calls table shows it. */
enum class CallState {
    Running,   //!< Sent, no result yet (waiting for a worker thread, or running).
    Done,      //!< Returned a value.
    Failed,    //!< Python raised, or the call could not be made.
    Died,      //!< The worker died or was stopped while the call ran.
    Cancelled, //!< Cancelled on request (Venv::cancel()): not a failure.
};
Q_ENUM_NS(CallState)

/*! Where a piece of output came from. */
enum class OutputStream {
    Stdout, //!< the worker's fd 1
    Stderr, //!< the worker's fd 2
    Pip,    //!< venv creation and pip install
};
Q_ENUM_NS(OutputStream)

/*! What pip or uv is doing, read from its output. */
enum class PipPhase {
    None,         //!< nothing recognised yet
    CreatingVenv, //!< uv venv: "Using CPython 3.11.2 …", "Creating virtual environment at: venv"
    Resolving,    //!< "Collecting ...", "Looking in indexes", "Requirement already satisfied"
    //! "Downloading ...", "Using cached ...", and uv's "Resolved N packages", which it prints
    //! before it fetches them
    Downloading,
    Building,     //!< "Building wheel", "Preparing metadata", uv's "Building x==1" / "Built x==1"
    //! "Installing collected packages", and uv's "Prepared N packages" (its download and build
    //! are over: it installs next)
    Installing,
    Done,         //!< "Successfully installed", uv's "Installed N packages", " + pkg==1.0", "Audited"
};
Q_ENUM_NS(PipPhase)

//! Lower-case word for \a status ("ready", "died", ...).
QString statusText(EnvStatus status);
//! A small round icon coloured for \a status.
QIcon statusIcon(EnvStatus status);
//! Lower-case word for \a state ("running", "done", ...).
QString callStateText(CallState state);

} // namespace QtPyVenvApp
