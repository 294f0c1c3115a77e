// SPDX-License-Identifier: MIT
#include "returnedcall.h"

#include "framedecoder.h"
#include "valuereader.h"

#include <charconv>

namespace QtPyVenv::Internal {

bool readReturnedCall(ValueReader &reader, const Frame &frame, ReturnedCall *call)
{
    constexpr QByteArrayView Head = R"({"type":"call_done","callID":)";
    constexpr QByteArrayView Middle = R"(,"ok":true,"result":)";
    // Up to 18 digits always fit a qint64, which is what the general path reads an ID as.
    constexpr qsizetype MaxDigits = 18;
    const QByteArrayView json = frame.json;
    if (frame.tagged || !json.startsWith(Head) || !json.endsWith('}'))
        return false;
    const char *const digits = json.data() + Head.size();
    const char *const end = json.data() + json.size() - 1; // the envelope's '}'
    const char *at = digits;
    while (at != end && *at >= '0' && *at <= '9')
        ++at;
    const qsizetype digitCount = at - digits;
    if (digitCount == 0 || digitCount > MaxDigits || (digitCount > 1 && *digits == '0'))
        return false; // JSON has no leading zeros
    if (!QByteArrayView(at, end - at).startsWith(Middle))
        return false;
    std::from_chars(digits, at, call->id);
    // The result sits one level down, as in the whole frame.
    call->result = reader.read(QByteArrayView(at + Middle.size(), end), nullptr, 1);
    if (!reader.error().isEmpty())
        return false;
    call->tooDeep = reader.tooDeep();
    return true;
}

} // namespace QtPyVenv::Internal
