// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QCborValue>
#include <QJsonValue>
#include <QList>
#include <QString>

namespace QtPyVenv::Internal {

//! What a frame carries besides its JSON text (docs/protocol.md).
struct FrameParts {
    QList<QByteArray> blobs; //!< the byte strings that tag objects refer to, by index
    bool tagged = false;     //!< the JSON holds tag objects
    QByteArray spareBlob;    //!< an empty buffer to write the first byte string into, if any
};

/*
 * Appends \a value to \a out as compact JSON, as QJsonDocument::toJson(Compact) would, but copies
 * runs of characters that need no escaping in bulk: Qt 6.4 escapes one character at a time, which
 * made encoding the largest cost of sending big arguments. Scalars are allowed at the top level.
 * Iterative, so no input can exhaust the stack; false with \a error for a value nested deeper than
 * MaxValueDepth.
 */
bool appendJson(QByteArray &out, const QJsonValue &value, QString *error);

/*
 * Appends \a value to \a out in the wire's JSON dialect: byte strings become parts, tags become
 * tag objects, doubles keep their type (3.0, NaN, Infinity) and bignums are written as digits.
 * False with \a error for a value nested deeper than MaxValueDepth, a map key that is not text or
 * a number, or a map key "\u0000" in a frame that has tag objects.
 */
bool appendValue(QByteArray &out, const QCborValue &value, FrameParts *parts, QString *error);

//! Appends \a text as a JSON string, quotes included.
void appendJsonString(QByteArray &out, QStringView text);

} // namespace QtPyVenv::Internal
