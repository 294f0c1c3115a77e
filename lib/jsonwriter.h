// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QJsonValue>

namespace QtPyVenv::Internal {

/*
 * Appends \a value to \a out as compact JSON, as QJsonDocument::toJson(Compact) would, but copies
 * runs of characters that need no escaping in bulk: Qt 6.4 escapes one character at a time, which
 * made encoding the largest cost of sending big arguments. Scalars are allowed at the top level.
 */
void appendJson(QByteArray &out, const QJsonValue &value);

} // namespace QtPyVenv::Internal
