// SPDX-License-Identifier: MIT
#include "valuereader.h"

#include "bignum.h"
#include "jsontext.h"

#include <QtPyVenv/value.h>

#include <QtEndian>

#include <charconv>
#include <cstring>

namespace QtPyVenv::Internal {

using namespace JsonText;

namespace {

enum Major { Unsigned = 0, Negative = 1, Bytes = 2, Text = 3, Tag = 6 };
// A part this big is spliced into the tree rather than copied through the CBOR text.
constexpr qsizetype SpliceBytes = 64 * 1024;
// The placeholder's tag ("QPV" 0): private to the reader, never in a result.
constexpr quint64 PlaceholderTag = 0x51505600;

constexpr unsigned char CborFalse = 0xf4, CborTrue = 0xf5, CborNull = 0xf6, CborUndefined = 0xf7,
                        CborDouble = 0xfb, CborIndefiniteArray = 0x9f, CborIndefiniteMap = 0xbf,
                        CborBreak = 0xff;

constexpr int MaxHeadBytes = 9;

// Writes the CBOR head of \a major with \a value, in its shortest form, and returns its size.
int cborHead(char *out, int major, quint64 value)
{
    const char initial = char(major << 5);
    if (value < 24) {
        out[0] = char(initial | char(value));
        return 1;
    }
    if (value <= 0xff) {
        out[0] = char(initial | 24);
        out[1] = char(value);
        return 2;
    }
    if (value <= 0xffff) {
        out[0] = char(initial | 25);
        qToBigEndian(quint16(value), out + 1);
        return 3;
    }
    if (value <= 0xffffffffu) {
        out[0] = char(initial | 26);
        qToBigEndian(quint32(value), out + 1);
        return 5;
    }
    out[0] = char(initial | 27);
    qToBigEndian(value, out + 1);
    return 9;
}

} // namespace

QCborValue ValueReader::read(QByteArrayView json, const QList<QByteArrayView> *parts, int depth)
{
    m_error.clear();
    m_tooDeep.clear();
    // A TAGGED frame nearly always holds a tag object, which only the CBOR path reads.
    QCborValue direct;
    if (m_directPath && !parts && m_direct.read(json, &direct, depth))
        return direct;
    m_parts = parts;
    m_begin = m_at = json.data();
    m_end = m_at + json.size();
    // The buffer's pages are kept for the next text, unless it grew beyond what a spare frame
    // may hold for the worker's lifetime.
    if (m_cbor.capacity() > 64 * 1024 * 1024)
        m_cbor = QByteArray();
    m_cbor.resize(0);
    qsizetype copied = json.size();
    for (const QByteArrayView part : m_parts ? *m_parts : QList<QByteArrayView>())
        copied += part.size() < SpliceBytes ? part.size() + 9 : 0;
    m_cbor.reserve(copied + 64);
    m_spliced.clear();
    skipSpace();
    if (!value(depth))
        return QCborValue(QCborValue::Undefined);
    skipSpace();
    if (m_at != m_end) {
        fail(QStringLiteral("text after the value"));
        return QCborValue(QCborValue::Undefined);
    }
    QCborParserError parseError;
    QCborValue result = QCborValue::fromCbor(m_cbor, &parseError);
    if (parseError.error != QCborError::NoError) {
        m_error = QStringLiteral("invalid text (%1)").arg(parseError.errorString());
        return QCborValue(QCborValue::Undefined);
    }
    return m_spliced.isEmpty() ? result : splice(result);
}

QCborValue ValueReader::taggedPart(QCborTag tag, qsizetype index) const
{
    const QByteArrayView bytes = m_parts->at(index);
    if (m_headroom) {
        // With the tag's and the byte string's heads written into the padding in front of the
        // part, Qt decodes the whole straight into the tag's container: one copy. Building the
        // tag from a byte array value would copy the bytes twice.
        char head[2 * MaxHeadBytes];
        int size = cborHead(head, Tag, quint64(tag));
        size += cborHead(head + size, Bytes, quint64(bytes.size()));
        if (size <= 16) {
            char *const start = const_cast<char *>(bytes.data()) - size;
            std::memcpy(start, head, size_t(size));
            const QCborValue value = QCborValue::fromCbor(QByteArray::fromRawData(start, size + bytes.size()));
            if (value.isTag())
                return value;
        }
    }
    return QCborValue(tag, QByteArray::fromRawData(bytes.data(), bytes.size()));
}

// Replaces the placeholders in \a value by their parts. A tag on a part is made in one piece:
// a tag is a container of its own, which a parent holds by reference, whereas a byte string is
// copied into its parent. Recursion is bounded by MaxValueDepth, as the reader made the tree.
QCborValue ValueReader::splice(const QCborValue &value) const
{
    auto part = [this](const QCborValue &placeholder) {
        const QByteArrayView bytes = m_parts->at(m_spliced.at(placeholder.taggedValue().toInteger()));
        return QByteArray::fromRawData(bytes.data(), bytes.size()); // copied once, by QCborValue
    };
    auto isPlaceholder = [](const QCborValue &v) { return v.isTag() && quint64(v.tag()) == PlaceholderTag; };
    if (isPlaceholder(value))
        return QCborValue(part(value));
    if (value.isArray()) {
        QCborArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i) {
            const QCborValue item = array.at(i);
            if (item.isArray() || item.isMap() || item.isTag())
                array[i] = splice(item);
        }
        return array;
    }
    if (value.isMap()) {
        QCborMap map = value.toMap();
        for (auto it = map.begin(); it != map.end(); ++it) {
            const QCborValue item = it.value();
            if (item.isArray() || item.isMap() || item.isTag())
                it.value() = splice(item);
        }
        return map;
    }
    if (value.isTag() && value.type() == QCborValue::Tag) {
        const QCborValue content = value.taggedValue();
        if (isPlaceholder(content))
            return taggedPart(value.tag(), m_spliced.at(content.taggedValue().toInteger()));
        if (content.isArray() || content.isMap() || content.isTag())
            return QCborValue(value.tag(), splice(content));
    }
    return value;
}

bool ValueReader::fail(const QString &why)
{
    if (m_error.isEmpty())
        m_error = QStringLiteral("%1 at byte %2").arg(why).arg(m_at - m_begin);
    return false;
}

void ValueReader::skipSpace()
{
    m_at = JsonText::skipSpace(m_at, m_end);
}

void ValueReader::head(int major, quint64 value)
{
    char bytes[MaxHeadBytes];
    m_cbor.append(bytes, cborHead(bytes, major, value));
}

bool ValueReader::value(int depth)
{
    if (m_at == m_end)
        return fail(QStringLiteral("unexpected end of text"));
    const char c = *m_at;
    if ((c == '{' || c == '[') && depth >= MaxValueDepth) {
        if (m_tooDeep.isEmpty())
            m_tooDeep = QStringLiteral("a value is nested deeper than %1 levels").arg(MaxValueDepth);
        m_cbor += char(CborUndefined);
        return skipValue();
    }
    switch (c) {
    case '{':
        return object(depth + 1);
    case '[':
        return array(depth + 1);
    case '"': {
        // Most strings have nothing to unescape: copy those once, straight into the CBOR.
        const qsizetype run = plainRun(m_at + 1, m_end);
        if (m_at + 1 + run != m_end && m_at[1 + run] == '"') {
            head(Text, quint64(run));
            m_cbor.append(m_at + 1, run);
            m_at += run + 2;
            return true;
        }
        if (!string(&m_scratch))
            return false;
        head(Text, quint64(m_scratch.size()));
        m_cbor += m_scratch;
        return true;
    }
    case 't':
        return literal("true", CborTrue);
    case 'f':
        return literal("false", CborFalse);
    case 'n':
        return literal("null", CborNull);
    default:
        return number();
    }
}

bool ValueReader::literal(const char *word, unsigned char cbor)
{
    const qsizetype size = qsizetype(std::strlen(word));
    if (m_end - m_at < size || std::memcmp(m_at, word, size_t(size)) != 0)
        return fail(QStringLiteral("unexpected character"));
    m_at += size;
    m_cbor += char(cbor);
    return true;
}

bool ValueReader::object(int depth)
{
    ++m_at; // {
    skipSpace();
    static constexpr char TagKey[] = "\"\\u0000\"";
    constexpr qsizetype TagKeySize = sizeof TagKey - 1;
    if (m_parts && m_end - m_at >= TagKeySize && std::memcmp(m_at, TagKey, TagKeySize) == 0) {
        const char *const afterKey = m_at + TagKeySize;
        m_at = afterKey;
        skipSpace();
        if (m_at != m_end && *m_at == ':')
            return tagObject(depth);
        m_at = afterKey - TagKeySize; // "\u0000" followed by something else: let the map fail
    }
    m_cbor += char(CborIndefiniteMap);
    if (m_at != m_end && *m_at == '}') {
        ++m_at;
        m_cbor += char(CborBreak);
        return true;
    }
    for (;;) {
        skipSpace();
        if (m_at == m_end || *m_at != '"')
            return fail(QStringLiteral("expected a key"));
        if (!string(&m_scratch))
            return false;
        head(Text, quint64(m_scratch.size()));
        m_cbor += m_scratch;
        skipSpace();
        if (m_at == m_end || *m_at != ':')
            return fail(QStringLiteral("expected ':'"));
        ++m_at;
        skipSpace();
        if (!value(depth))
            return false;
        bool more = false;
        if (!nextItem('}', &more))
            return false;
        if (!more)
            return true;
    }
}

// {"\u0000": i} is part i as a byte string; {"\u0000": [n, v]} is tag n on v.
bool ValueReader::tagObject(int depth)
{
    ++m_at; // :
    skipSpace();
    if (m_at != m_end && isDigit(*m_at)) {
        quint64 index = 0;
        const auto [end, ec] = std::from_chars(m_at, m_end, index);
        if (ec != std::errc() || index >= quint64(m_parts->size()))
            return fail(QStringLiteral("a tag object refers to a part that is not there"));
        m_at = end;
        const QByteArrayView part = m_parts->at(qsizetype(index));
        if (part.size() >= SpliceBytes) {
            head(Tag, PlaceholderTag);
            head(Unsigned, quint64(m_spliced.size()));
            m_spliced.append(qsizetype(index));
        } else {
            head(Bytes, quint64(part.size()));
            m_cbor.append(part.data(), part.size());
        }
    } else if (m_at != m_end && *m_at == '[') {
        ++m_at;
        skipSpace();
        quint64 tag = 0;
        const auto [end, ec] = std::from_chars(m_at, m_end, tag);
        if (ec != std::errc())
            return fail(QStringLiteral("a tag object without a tag number"));
        m_at = end;
        skipSpace();
        if (m_at == m_end || *m_at != ',')
            return fail(QStringLiteral("expected ',' in a tag object"));
        ++m_at;
        skipSpace();
        head(Tag, tag);
        if (!value(depth))
            return false;
        skipSpace();
        if (m_at == m_end || *m_at != ']')
            return fail(QStringLiteral("expected ']' in a tag object"));
        ++m_at;
    } else {
        return fail(QStringLiteral("a malformed tag object"));
    }
    skipSpace();
    if (m_at == m_end || *m_at != '}')
        return fail(QStringLiteral("a tag object with more than one key"));
    ++m_at;
    return true;
}

bool ValueReader::array(int depth)
{
    ++m_at; // [
    m_cbor += char(CborIndefiniteArray);
    skipSpace();
    if (m_at != m_end && *m_at == ']') {
        ++m_at;
        m_cbor += char(CborBreak);
        return true;
    }
    for (;;) {
        skipSpace();
        if (!value(depth))
            return false;
        bool more = false;
        if (!nextItem(']', &more))
            return false;
        if (!more)
            return true;
    }
}

// After an item of a container: a ',' means more, \a close ends the container.
bool ValueReader::nextItem(char close, bool *more)
{
    skipSpace();
    if (m_at != m_end && (*m_at == ',' || *m_at == close)) {
        *more = *m_at++ == ',';
        if (!*more)
            m_cbor += char(CborBreak);
        return true;
    }
    return fail(QStringLiteral("expected ',' or '%1'").arg(QLatin1Char(close)));
}

bool ValueReader::string(QByteArray *utf8)
{
    const char *why = nullptr;
    return readString(m_at, m_end, utf8, &why) || fail(QString::fromLatin1(why));
}

bool ValueReader::number()
{
    double special = 0;
    if (const char *end = specialDouble(m_at, m_end, &special)) {
        m_at = end;
        appendDouble(special);
        return true;
    }
    NumberText text;
    const char *why = nullptr;
    if (!scanNumber(m_at, m_end, &text, &why))
        return fail(QString::fromLatin1(why));
    const char *const start = m_at;
    m_at = text.end;
    if (!text.integral) {
        double number = 0;
        const auto [end, ec] = std::from_chars(start, m_at, number);
        if (end != m_at || (ec != std::errc() && ec != std::errc::result_out_of_range))
            return fail(QStringLiteral("bad number"));
        appendDouble(number);
        return true;
    }
    qint64 integer = 0;
    if (const auto [end, ec] = std::from_chars(start, m_at, integer); ec == std::errc() && end == m_at) {
        if (integer >= 0)
            head(Unsigned, quint64(integer));
        else
            head(Negative, quint64(-1 - integer));
        return true;
    }
    // Beyond 64 bits: a bignum, exactly. Tag 3 holds -1 - n.
    const bool negative = *start == '-';
    QByteArray magnitude = magnitudeFromDecimal(QByteArrayView(text.digits, text.digitsEnd - text.digits));
    if (negative)
        magnitude = decrementMagnitude(magnitude);
    head(Tag, negative ? 3 : 2);
    head(Bytes, quint64(magnitude.size()));
    m_cbor += magnitude;
    return true;
}

void ValueReader::appendDouble(double number)
{
    m_cbor += char(CborDouble);
    char bytes[8];
    qToBigEndian(number, bytes);
    m_cbor.append(bytes, 8);
}

// Skips one value without translating it, with a counter instead of recursion: only the
// structure matters here, and the depth is what made the caller give up on it.
bool ValueReader::skipValue()
{
    qsizetype open = 0;
    do {
        skipSpace();
        if (m_at == m_end)
            return fail(QStringLiteral("unexpected end of text"));
        switch (*m_at) {
        case '{':
        case '[':
            ++open;
            ++m_at;
            break;
        case '}':
        case ']':
            --open;
            ++m_at;
            break;
        case '"':
            if (!string(&m_scratch))
                return false;
            break;
        default:
            ++m_at; // numbers, literals, ',' and ':' need no tracking here
            break;
        }
    } while (open > 0);
    return true;
}

} // namespace QtPyVenv::Internal

namespace QtPyVenv {

QCborValue fromJsonText(const QByteArray &json, QString *error)
{
    Internal::ValueReader reader;
    QCborValue value = reader.read(json);
    QString problem = reader.error();
    if (problem.isEmpty() && !reader.tooDeep().isEmpty()) {
        problem = reader.tooDeep();
        value = QCborValue(QCborValue::Undefined);
    }
    if (error)
        *error = problem;
    return value;
}

} // namespace QtPyVenv
