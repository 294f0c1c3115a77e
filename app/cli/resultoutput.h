// SPDX-License-Identifier: MIT
// qtpyvenv-call's result: JSON on stdout, or as it is (an image, a byte string) in a file.
#pragma once

#include <QCborValue>
#include <QString>

#include <optional>

//! How the call's values are printed, as the command line asks.
struct OutputOptions {
    int indent = 2;                 //!< of the JSON; 0: on one line (--compact)
    bool stream = false;            //!< each value a generator yields printed as it comes (--stream)
    std::optional<QString> rawPath; //!< --output: the result as it is to this file, "-": stdout
};

/*!
 * Writes \a result, the value \a function returned, as \a options say: as it is to a file that is
 * replaced only once everything was written, or as JSON on standard output. Returns an error
 * message, empty on success.
 */
QString writeResult(const QString &function, const QCborValue &result, const OutputOptions &options);
