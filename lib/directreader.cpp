// SPDX-License-Identifier: MIT
#include "directreader.h"

#include "jsontext.h"

#include <QCborArray>
#include <QCborMap>

#include <charconv>
#include <cstring>

namespace QtPyVenv::Internal {

using namespace JsonText;

namespace {

bool isAscii(QByteArrayView bytes)
{
    unsigned char all = 0;
    for (const char c : bytes)
        all |= static_cast<unsigned char>(c);
    return all < 0x80;
}

} // namespace

bool DirectReader::read(QByteArrayView json, QCborValue *value, int depth)
{
    m_at = json.data();
    m_end = m_at + json.size();
    skipSpace();
    if (!this->value(depth, value))
        return false;
    skipSpace();
    return m_at == m_end;
}

void DirectReader::skipSpace()
{
    m_at = JsonText::skipSpace(m_at, m_end);
}

bool DirectReader::value(int depth, QCborValue *out)
{
    if (m_at == m_end)
        return false;
    switch (*m_at) {
    case '{':
        return depth < MaxDepth && object(depth + 1, out);
    case '[':
        return depth < MaxDepth && array(depth + 1, out);
    case '"':
        return text(out);
    case 't':
        return literal("true", QCborValue(true), out);
    case 'f':
        return literal("false", QCborValue(false), out);
    case 'n':
        return literal("null", QCborValue(nullptr), out);
    default:
        return number(out);
    }
}

bool DirectReader::object(int depth, QCborValue *out)
{
    ++m_at; // {
    QCborMap map;
    skipSpace();
    bool more = m_at == m_end || *m_at != '}';
    if (!more)
        ++m_at;
    while (more) {
        skipSpace();
        QByteArrayView key;
        bool ascii = false;
        if (map.size() == MaxMapSize || m_at == m_end || *m_at != '"' || !string(&key, &ascii))
            return false;
        const qsizetype before = map.size();
        QCborValueRef slot = ascii ? map[QLatin1StringView(key)] : map[QString::fromUtf8(key)];
        if (map.size() == before)
            return false; // a repeated key, which ValueReader keeps twice
        skipSpace();
        if (m_at == m_end || *m_at != ':')
            return false;
        ++m_at;
        skipSpace();
        QCborValue item;
        if (!value(depth, &item))
            return false;
        slot = std::move(item);
        if (!nextItem('}', &more))
            return false;
    }
    *out = std::move(map);
    return true;
}

bool DirectReader::array(int depth, QCborValue *out)
{
    ++m_at; // [
    QCborArray array;
    skipSpace();
    bool more = m_at == m_end || *m_at != ']';
    if (!more)
        ++m_at;
    while (more) {
        skipSpace();
        QCborValue item;
        if (!value(depth, &item))
            return false;
        array.append(std::move(item));
        if (!nextItem(']', &more))
            return false;
    }
    *out = std::move(array);
    return true;
}

// After an item of a container: a ',' means more, \a close ends the container.
bool DirectReader::nextItem(char close, bool *more)
{
    skipSpace();
    if (m_at == m_end || (*m_at != ',' && *m_at != close))
        return false;
    *more = *m_at++ == ',';
    return true;
}

/*
 * The string at m_at, unescaped: a view of the text itself when it has no escapes, else of the
 * scratch buffer. Raw bytes beyond ASCII are given up on, as their UTF-8 would need checking the
 * way Qt's CBOR decoder does (the worker escapes them); \a ascii says whether escapes made any.
 */
bool DirectReader::string(QByteArrayView *utf8, bool *ascii)
{
    const char *const open = m_at;
    const qsizetype run = plainRun(m_at + 1, m_end);
    if (m_at + 1 + run != m_end && m_at[1 + run] == '"') {
        *utf8 = QByteArrayView(m_at + 1, run);
        m_at += run + 2;
        *ascii = isAscii(*utf8);
        return *ascii;
    }
    const char *why = nullptr;
    if (!readString(m_at, m_end, &m_scratch, &why) || !isAscii(QByteArrayView(open, m_at - open)))
        return false;
    *utf8 = m_scratch;
    *ascii = isAscii(m_scratch);
    return true;
}

bool DirectReader::text(QCborValue *out)
{
    QByteArrayView utf8;
    bool ascii = false;
    if (!string(&utf8, &ascii))
        return false;
    *out = ascii ? QCborValue(QLatin1StringView(utf8)) : QCborValue(QString::fromUtf8(utf8));
    return true;
}

// Integers beyond 64 bits (bignums) and doubles out of range are given up on.
bool DirectReader::number(QCborValue *out)
{
    double special = 0;
    if (const char *end = specialDouble(m_at, m_end, &special)) {
        m_at = end;
        *out = QCborValue(special);
        return true;
    }
    NumberText text;
    const char *why = nullptr;
    if (!scanNumber(m_at, m_end, &text, &why))
        return false;
    if (text.integral) {
        qint64 integer = 0;
        const auto [end, ec] = std::from_chars(m_at, text.end, integer);
        if (ec != std::errc() || end != text.end)
            return false;
        *out = QCborValue(integer);
    } else {
        double number = 0;
        const auto [end, ec] = std::from_chars(m_at, text.end, number);
        if (ec != std::errc() || end != text.end)
            return false;
        *out = QCborValue(number);
    }
    m_at = text.end;
    return true;
}

bool DirectReader::literal(QByteArrayView word, const QCborValue &meaning, QCborValue *out)
{
    if (m_end - m_at < word.size() || std::memcmp(m_at, word.data(), size_t(word.size())) != 0)
        return false;
    m_at += word.size();
    *out = meaning;
    return true;
}

} // namespace QtPyVenv::Internal
