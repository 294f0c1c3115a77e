// SPDX-License-Identifier: MIT
#include "framestream.h"

#include "framedecoder.h"
#include "returnedcall.h"
#include "valuereader.h"

#include <QtPyVenv/value.h>

#include <QCborArray>
#include <QCborMap>
#include <QCryptographicHash>
#include <QList>

#include <algorithm>
#include <cstring>

namespace QtPyVenv::Fuzz {

namespace {

using Internal::Frame;
using Internal::FrameDecoder;
using Internal::ValueReader;

// What a caller might do with a value: the public conversions, on every tag in it.
void useValue(const QCborValue &value, int depth)
{
    if (depth > MaxValueDepth + 1)
        return;
    if (value.isTag()) {
        if (const NdArray array = NdArray::fromCbor(value); array.isValid()) {
            array.valueAt(0);
            array.valueAt(array.count() - 1);
            array.cborAt(array.count() / 2);
        }
        if (const Table table = Table::fromCbor(value); table.isValid()) {
            for (int column = 0; column < table.columnCount(); ++column)
                table.cell(table.rowCount() - 1, column);
            table.indexAt(0);
        }
        Image::fromCbor(value);
        useValue(value.taggedValue(), depth + 1);
    } else if (value.isArray()) {
        for (const QCborValue &item : value.toArray())
            useValue(item, depth + 1);
    } else if (value.isMap()) {
        for (auto it = value.toMap().constBegin(); it != value.toMap().constEnd(); ++it)
            useValue(it.value(), depth + 1);
    }
}

// A frame's value as the host reads it: with \a fastPath, a call's plain result as VenvPrivate
// reads it (readReturnedCall), put back into the map the general path makes.
QCborValue readValue(ValueReader &reader, const Frame &frame, bool fastPath, QString *tooDeep)
{
    if (Internal::ReturnedCall returned; fastPath && Internal::readReturnedCall(reader, frame, &returned)) {
        *tooDeep = returned.tooDeep;
        return QCborMap{{QStringLiteral("type"), QStringLiteral("call_done")},
                        {QStringLiteral("callID"), qint64(returned.id)},
                        {QStringLiteral("ok"), true},
                        {QStringLiteral("result"), returned.result}};
    }
    const QCborValue value = reader.read(frame.json, frame.tagged ? &frame.parts : nullptr);
    *tooDeep = reader.tooDeep();
    return value;
}

// One frame as the host reads it, summed up for the comparison of the two readings.
QByteArray readFrame(ValueReader &reader, const Frame &frame, bool fastPath)
{
    QCryptographicHash digest(QCryptographicHash::Sha1);
    digest.addData(frame.tagged ? "T" : "P");
    digest.addData(frame.json);
    for (const QByteArrayView part : frame.parts) {
        digest.addData(QByteArray::number(part.size()));
        digest.addData(part);
    }
    QString tooDeep;
    const QCborValue value = readValue(reader, frame, fastPath, &tooDeep);
    digest.addData(reader.error().toUtf8());
    digest.addData(tooDeep.toUtf8());
    digest.addData(value.toCbor()); // what the direct path and the CBOR path make must be equal
    if (value.isMap()) {
        useValue(value, 0);
        toJson(value);
        digest.addData(toJsonText(value, 0));
    }
    return digest.result();
}

struct Reading {
    QList<QByteArray> frames;
    QString error;
    qsizetype leftover = 0;
};

Reading read(const uint8_t *data, size_t size, qsizetype chunk, bool directPath)
{
    FrameDecoder decoder;
    ValueReader reader(true);
    reader.setDirectPath(directPath);
    Reading reading;
    size_t at = 0;
    while (at < size && decoder.error().isEmpty()) {
        qsizetype room = 0;
        char *const into = decoder.space(&room);
        const qsizetype count = std::min({room, chunk, qsizetype(size - at)});
        std::memcpy(into, data + at, size_t(count));
        decoder.received(count);
        at += size_t(count);
        Frame frame;
        while (decoder.next(&frame))
            reading.frames.append(readFrame(reader, frame, directPath));
    }
    reading.error = decoder.error();
    reading.leftover = decoder.partialBytes();
    return reading;
}

} // namespace

bool readFrameStream(const uint8_t *data, size_t size, QString *problem)
{
    const Reading whole = read(data, size, qsizetype(size), true);
    // Byte by byte, every check meets every partial frame; big inputs in smaller steps. All
    // through the CBOR path, which the direct path must agree with.
    const Reading split = read(data, size, size <= 256 * 1024 ? 1 : 4093, false);
    if (whole.frames.size() != split.frames.size())
        *problem = QStringLiteral("%1 frames read at once, %2 in pieces").arg(whole.frames.size()).arg(split.frames.size());
    else if (whole.frames != split.frames)
        *problem = QStringLiteral("frame %1 read at once (direct path) differs from its reading in pieces (CBOR path)")
                       .arg(std::mismatch(whole.frames.begin(), whole.frames.end(), split.frames.begin()).first
                            - whole.frames.begin());
    else if (whole.error != split.error)
        *problem = QStringLiteral("read at once: \"%1\"; in pieces: \"%2\"").arg(whole.error, split.error);
    else if (whole.error.isEmpty() && whole.leftover != split.leftover)
        *problem = QStringLiteral("%1 bytes left at once, %2 in pieces").arg(whole.leftover).arg(split.leftover);
    else
        return true;
    return false;
}

} // namespace QtPyVenv::Fuzz
