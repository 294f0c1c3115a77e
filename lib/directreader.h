// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QCborValue>

namespace QtPyVenv::Internal {

/*
 * Builds the value of a simple text of the wire's JSON dialect straight from it, without the CBOR
 * detour that ValueReader takes: most frames are small replies, and there QCborValue::fromCbor()
 * was the host's biggest cost per call. Simple means: maps of at most MaxMapSize entries with
 * distinct keys, arrays of any length, strings of ASCII text (escapes included), integers that
 * fit 64 bits, doubles (NaN and infinities too), true, false and null, nested at most MaxDepth
 * deep. read() gives up on anything else, and ValueReader then reads the whole text its own way,
 * so that the two never make different values of one text and errors are ValueReader's alone.
 * Tag objects are not looked for: ValueReader does not hand this reader a TAGGED frame.
 */
class DirectReader
{
public:
    /*
     * QCborMap::insert() looks for the key from the start, so building a map by it is quadratic:
     * measured with Qt 6.4, ValueReader's CBOR path overtakes it at some 26 short keys. A bigger
     * map costs the entries built before giving up: a text of 24 entries took 3.4 us here (CBOR
     * path 4.0 us), one of 25 took 8.0 us (4.1 us).
     */
    static constexpr qsizetype MaxMapSize = 24;
    //! Deeper values are ValueReader's: it knows the depth limit (MaxValueDepth).
    static constexpr int MaxDepth = 32;

    /*!
     * True with \a value set when \a json holds one simple value and nothing else but spaces;
     * \a depth as for ValueReader::read().
     */
    bool read(QByteArrayView json, QCborValue *value, int depth = 0);

private:
    bool value(int depth, QCborValue *out);
    bool object(int depth, QCborValue *out);
    bool array(int depth, QCborValue *out);
    bool nextItem(char close, bool *more);
    bool string(QByteArrayView *utf8, bool *ascii);
    bool text(QCborValue *out);
    bool number(QCborValue *out);
    bool literal(QByteArrayView word, const QCborValue &meaning, QCborValue *out);
    void skipSpace();

    const char *m_at = nullptr;
    const char *m_end = nullptr;
    QByteArray m_scratch;
};

} // namespace QtPyVenv::Internal
