// SPDX-License-Identifier: MIT
#pragma once

#include <QtPyVenv/venv.h>

#include <QCborValue>
#include <QList>
#include <QString>
#include <QStringList>

namespace QtPyVenvApp {

/*!
 * Parses one JSON value typed by the user, keeping key order (QtPyVenv::fromJsonText). Empty
 * (or only whitespace) gives undefined and true. On failure returns false with \a error set.
 */
bool parseJsonText(const QString &text, QCborValue *value, QString *error = nullptr);

/*!
 * The arguments of the raw JSON editor: its one value passed as the one argument, fn(value);
 * undefined (an empty editor) means none, fn().
 */
QtPyVenv::Arguments rawArguments(const QCborValue &value);

//! A call's arguments as Python would write them: "[1, 2], n=3" (values as compact JSON).
QString argumentsText(const QtPyVenv::Arguments &arguments);

/*! What the fields of an arguments form make, or why they make nothing. */
struct FormArguments {
    QtPyVenv::Arguments arguments;
    QStringList fieldErrors; //!< per parameter: why its text is not valid, "" when it is
    QString error;           //!< the first problem, "" when the arguments are good
    bool ok() const { return error.isEmpty(); }
};

/*!
 * The arguments a form makes of \a texts, one per parameter of \a parameters, each JSON or
 * empty. Positional-only parameters are passed by position, the others by keyword, unless the
 * *args field is filled (then everything before it goes by position); the *args field takes a
 * JSON array, the **kwargs field an object. An empty field of a parameter with a default is
 * left out; an empty required one is an error.
 */
FormArguments formArguments(const QList<QtPyVenv::ParameterInfo> &parameters, const QStringList &texts);

} // namespace QtPyVenvApp
