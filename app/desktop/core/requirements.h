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
//! The requirement lines of \a text: trimmed, comments (also after a requirement) and blank
//! lines dropped.
QStringList requirementsFromText(const QString &text);

// Editing requirements text one package at a time (the packages table's actions). Lines are
// '\n'-separated; comments, blank lines and the other requirements stay as they are.

//! PEP 503 normalised \a name: lowercase, each run of '-', '_' and '.' one '-'.
QString normalizedPackageName(const QString &name);
//! The package \a line requires, as written; empty for a blank line, a comment or an option.
QString requirementName(const QString &line);
//! The 0-based index of the first line of \a text that requires \a package (any spelling
//! PEP 503 equates), -1 when none does.
qsizetype findRequirementLine(const QString &text, const QString &package);
//! \a line with its version specifier (or "@ url") replaced by \a specifier (">=2.0", or empty
//! for none); name, extras, environment marker and trailing comment are kept.
QString replaceSpecifier(const QString &line, const QString &specifier);
//! What an upgrade to \a version writes on \a line: "==version" where the line pinned the
//! version, ">=version" otherwise (also for an empty line).
QString upgradeSpecifier(const QString &line, const QString &version);
//! \a text with the line of \a package given \a specifier, or "package<specifier>" appended
//! when no line requires it.
QString withRequirementSpecifier(const QString &text, const QString &package, const QString &specifier);
//! \a text without the lines that require \a package.
QString withoutRequirement(const QString &text, const QString &package);


//! The phase a line of pip's or uv's output announces, or PipPhase::None.
PipPhase pipPhaseOfLine(const QString &line);
//! True when pip's \a output says the network or the index was unreachable.
bool pipOutputLooksOffline(const QString &output);
//! The last \a count lines of \a output, trimmed.
QString lastLines(const QString &output, int count);
//! Readable word for \a phase.
QString pipPhaseText(PipPhase phase);
//! The installer a start with \a config uses and, for uv, where it is: "pip", or
//! "uv (~/.local/share/qtpyvenv/tools/bin/uv)".
QString installerDescription(const QtPyVenv::Config &config);
//! Readable words for what a start is doing: "creating venv", "installing", "launching".
QString startPhaseText(QtPyVenv::StartPhase phase);

} // namespace QtPyVenvApp
