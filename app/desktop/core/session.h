// SPDX-License-Identifier: MIT
#pragma once

#include "listmodels.h"

#include <QHash>
#include <QList>
#include <QString>

namespace QtPyVenvApp {

/*! What the console typed for one function: the raw JSON and the form's fields by parameter. */
struct TypedArguments {
    QString raw;
    QHash<QString, QString> fields;
    friend bool operator==(const TypedArguments &, const TypedArguments &) = default;
};

/*!
 * What the console of one environment remembers across launches: its call history, newest
 * first, and the arguments last typed per function. Plain data, kept beside the definitions
 * (AppPaths::sessionFile()).
 */
struct EnvironmentSession {
    //! History entries written; older ones are dropped.
    static constexpr qsizetype MaxHistoryKept = 100;

    QList<HistoryEntry> history;
    QHash<QString, TypedArguments> arguments; //!< by function name
};

//! Reads \a path; an empty session when there is no file or it cannot be read (logged).
EnvironmentSession loadSession(const QString &path);
//! Writes atomically, at most MaxHistoryKept history entries; false with \a error on failure.
bool saveSession(const QString &path, const EnvironmentSession &session, QString *error = nullptr);

} // namespace QtPyVenvApp
