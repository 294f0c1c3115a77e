// SPDX-License-Identifier: MIT
#pragma once

#include "appstatus.h"

#include <QtPyVenv/venv.h>

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

namespace QtPyVenvApp {

/*! A problem with one line of the requirements editor. */
struct RequirementProblem {
    int line = 0;    //!< 1-based line number in the editor
    QString message; //!< readable, says how to fix it
    friend bool operator==(const RequirementProblem &, const RequirementProblem &) = default;
};

//! Empty when \a line is a usable requirement, a blank line or a comment; otherwise why not.
QString checkRequirementLine(const QString &line);
//! Every problem in \a text, one requirement per line.
QList<RequirementProblem> checkRequirementsText(const QString &text);
//! The requirement lines of \a text: trimmed, comments and blank lines dropped.
QStringList requirementsFromText(const QString &text);


//! The phase a line of pip's or uv's output announces, or PipPhase::None.
PipPhase pipPhaseOfLine(const QString &line);
//! Readable word for \a phase.
QString pipPhaseText(PipPhase phase);
//! The installer a start with \a config uses and, for uv, where it is: "pip", or
//! "uv (~/.local/share/qtpyvenv/tools/bin/uv)".
QString installerDescription(const QtPyVenv::Config &config);
//! Readable words for what a start is doing: "creating venv", "installing", "launching".
QString startPhaseText(QtPyVenv::StartPhase phase);

} // namespace QtPyVenvApp
