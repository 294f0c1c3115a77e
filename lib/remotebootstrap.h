// SPDX-License-Identifier: MIT
#pragma once

#include <QtPyVenv/venv.h>

#include "childprocess.h"

#include <QByteArray>
#include <QCborMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace QtPyVenv::Internal {

/*
 * A Venv with Config::launcher is prepared where its worker runs: the launcher starts the
 * bootstrap interpreter with a small loader (worker/qtpyvenv_load.py), the host sends it one
 * frame with worker/qtpyvenv_bootstrap.py and what to prepare, and the bootstrap creates the
 * venv, installs, writes the worker's files and execs the worker on the same channel.
 */

//! Sets \a options to run `launcher... <Config::pythonInterpreter> -c <loader>`; false with
//! \a error when the launcher's program cannot be found.
bool bootstrapCommand(const Config &config, ChildProcess::Options *options, QString *error);

//! The frame's JSON the loader reads first: the bootstrap's source and its request, which ends
//! in starting the worker with \a workerArguments.
QByteArray bootstrapFrame(const Config &config, const QStringList &workerArguments);

//! What one of the bootstrap's frames says.
struct BootstrapNews {
    enum class Kind { Phase, Output, Failed, Prepared } kind = Kind::Output;
    StartPhase phase = StartPhase::Launching; // Phase
    QByteArray output;                        // Output: what venv, pip or uv wrote
    Error error;                              // Failed
};
//! The news in a frame of \a type; nullopt when the bootstrap sends no such frame.
std::optional<BootstrapNews> readBootstrapFrame(const QString &type, const QCborMap &message);

} // namespace QtPyVenv::Internal
