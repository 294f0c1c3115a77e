// SPDX-License-Identifier: MIT
#pragma once

#include <QtPyVenv/venv.h>

#include <QString>
#include <QStringList>

namespace QtPyVenvApp {

//! A line in a source file; line is 1-based, 0 when there is no location.
struct SourceLocation {
    QString file;
    int line = 0;

    bool isValid() const { return !file.isEmpty() && line > 0; }
    bool operator==(const SourceLocation &other) const = default;
};

/*!
 * The location one line of a Python traceback names: `  File "/x/a.py", line 4, in f` gives
 * {"/x/a.py", 4}; any other line gives an invalid location.
 */
SourceLocation tracebackLineLocation(const QString &line);

/*!
 * Where \a error points into one of \a files: the innermost traceback frame in one of them
 * (tracebacks list the most recent call last), else the "FILE, line N: message" the worker
 * makes of a SyntaxError. Invalid when it points into none of them.
 */
SourceLocation errorLocation(const QtPyVenv::Error &error, const QStringList &files);

} // namespace QtPyVenvApp
