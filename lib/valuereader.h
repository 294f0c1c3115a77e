// SPDX-License-Identifier: MIT
#pragma once

#include "directreader.h"

#include <QByteArrayView>
#include <QCborValue>
#include <QList>
#include <QString>

namespace QtPyVenv::Internal {

/*
 * Reads one value of the wire's JSON dialect (docs/protocol.md) into a QCborValue: map order
 * kept, integers of any size (bignums beyond 64 bits), NaN and infinities, and, when \a parts is
 * given, tag objects (byte strings from \a parts, tags). A simple text without parts is built
 * straight from the JSON (DirectReader); any other, or one DirectReader gives up on, is first
 * translated to CBOR and then decoded by Qt, which appends map entries without looking for
 * duplicates (QCborMap::insert is linear in the size of the map).
 *
 * Big parts skip the CBOR text: a placeholder stands in for them, and once Qt has built the tree
 * each is replaced by a value made straight from the part, so that its bytes are copied once.
 *
 * A value nested deeper than MaxValueDepth does not fail the whole text: it is skipped, read as
 * undefined, and tooDeep() names the first place where that happened, so that a frame can fail
 * only the call it belongs to.
 */
class ValueReader
{
public:
    //! \a partsHaveHeadroom: the 16 bytes before each part may be overwritten (Frame's promise).
    explicit ValueReader(bool partsHaveHeadroom = false) : m_headroom(partsHaveHeadroom) {}

    /*!
     * The value in \a json, which must hold nothing else but whitespace; undefined on error. A
     * reader can be used again (its buffer is kept for the next text), by one thread at a time.
     * \a depth: how deep \a json lies in the text it was cut from, for the depth limit.
     */
    QCborValue read(QByteArrayView json, const QList<QByteArrayView> *parts = nullptr, int depth = 0);
    //! Why read() failed; empty when it did not.
    QString error() const { return m_error; }
    //! Where a too deep value was cut off, empty when none was.
    QString tooDeep() const { return m_tooDeep; }
    //! Off: every text takes the CBOR path, for tests that compare the two paths.
    void setDirectPath(bool enabled) { m_directPath = enabled; }

private:
    bool value(int depth);
    bool object(int depth);
    bool array(int depth);
    bool nextItem(char close, bool *more);
    bool tagObject(int depth);
    bool string(QByteArray *utf8);
    bool number();
    void appendDouble(double number);
    bool literal(const char *word, unsigned char cbor);
    bool skipValue();
    void skipSpace();
    bool fail(const QString &why);
    void head(int major, quint64 value);
    QCborValue splice(const QCborValue &value) const;
    QCborValue taggedPart(QCborTag tag, qsizetype index) const;

    const QList<QByteArrayView> *m_parts = nullptr;
    const bool m_headroom;
    bool m_directPath = true;
    DirectReader m_direct;
    const char *m_at = nullptr;
    const char *m_end = nullptr;
    const char *m_begin = nullptr;
    QByteArray m_cbor;
    QByteArray m_scratch;
    QList<qsizetype> m_spliced; // part indexes, by placeholder number
    QString m_error;
    QString m_tooDeep;
};

} // namespace QtPyVenv::Internal
