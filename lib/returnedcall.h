// SPDX-License-Identifier: MIT
#pragma once

#include <QCborValue>
#include <QString>

namespace QtPyVenv::Internal {

struct Frame;
class ValueReader;

struct ReturnedCall {
    quint64 id = 0;
    QCborValue result;
    QString tooDeep; //!< as ValueReader::tooDeep() has it for the whole frame
};

/*
 * Reads the worker's reply to a call that returned when \a frame holds one in the only form the
 * worker writes it, {"type":"call_done","callID":ID,"ok":true,"result":VALUE}: most frames are
 * such replies, and recognizing the envelope by its bytes spares building its map and looking
 * its keys up (a third of the host's work per call). False for any other frame, or when VALUE
 * cannot be read: the general path then reads the whole frame, and its errors are the only ones.
 */
bool readReturnedCall(ValueReader &reader, const Frame &frame, ReturnedCall *call);

} // namespace QtPyVenv::Internal
