// SPDX-License-Identifier: MIT
#include "jsonwriter.h"

#include "bignum.h"

#include <QtPyVenv/value.h>

#include <QCborArray>
#include <QCborMap>
#include <QCborStreamWriter>
#include <QJsonArray>
#include <QJsonObject>
#include <QLocale>

#include <algorithm>
#include <cmath>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace QtPyVenv::Internal {

namespace {

// A unit JSON carries as it is: printable ASCII other than the quote and the backslash.
constexpr bool isPlain(char16_t unit)
{
    return unit >= 0x20 && unit < 0x80 && unit != u'"' && unit != u'\\';
}

// Narrows the leading plain units of [src, end) into dst, which has room for all of them, and
// returns how many there were. Eight units per step where SSE2 is there (all of x86-64).
qsizetype copyPlain(const char16_t *src, const char16_t *end, char *dst)
{
    const char16_t *const begin = src;
#if defined(__SSE2__)
    const __m128i belowSpace = _mm_set1_epi16(0x20);
    const __m128i aboveAscii = _mm_set1_epi16(0x7f);
    const __m128i quote = _mm_set1_epi16('"');
    const __m128i backslash = _mm_set1_epi16('\\');
    while (end - src >= 8) {
        const __m128i units = _mm_loadu_si128(reinterpret_cast<const __m128i *>(src));
        // Signed compares: units from 0x8000 up are negative, so "below space" catches them too.
        const __m128i special = _mm_or_si128(
            _mm_or_si128(_mm_cmplt_epi16(units, belowSpace), _mm_cmpgt_epi16(units, aboveAscii)),
            _mm_or_si128(_mm_cmpeq_epi16(units, quote), _mm_cmpeq_epi16(units, backslash)));
        if (_mm_movemask_epi8(special) != 0)
            break;
        _mm_storel_epi64(reinterpret_cast<__m128i *>(dst), _mm_packus_epi16(units, units));
        src += 8;
        dst += 8;
    }
#endif
    for (; src != end && isPlain(*src); ++src)
        *dst++ = char(*src);
    return src - begin;
}

void appendEscapedAscii(QByteArray &out, char16_t unit)
{
    static constexpr char Hex[] = "0123456789abcdef";
    switch (unit) {
    case u'"': out += "\\\""; break;
    case u'\\': out += "\\\\"; break;
    case u'\b': out += "\\b"; break;
    case u'\f': out += "\\f"; break;
    case u'\n': out += "\\n"; break;
    case u'\r': out += "\\r"; break;
    case u'\t': out += "\\t"; break;
    default:
        out += "\\u00";
        out += Hex[unit >> 4];
        out += Hex[unit & 0xf];
    }
}

// Appends the code point at *src as UTF-8 and returns how many units it took. A lone surrogate
// becomes U+FFFD, as QString::toUtf8() makes it.
int appendUtf8(QByteArray &out, const char16_t *src, const char16_t *end)
{
    char32_t point = src[0];
    int units = 1;
    if (QChar::isHighSurrogate(point) && end - src > 1 && QChar::isLowSurrogate(src[1])) {
        point = QChar::surrogateToUcs4(src[0], src[1]);
        units = 2;
    } else if (QChar::isSurrogate(point)) {
        point = QChar::ReplacementCharacter;
    }
    char bytes[4];
    int size;
    if (point < 0x800) {
        bytes[0] = char(0xc0 | (point >> 6));
        size = 1;
    } else if (point < 0x10000) {
        bytes[0] = char(0xe0 | (point >> 12));
        bytes[1] = char(0x80 | ((point >> 6) & 0x3f));
        size = 2;
    } else {
        bytes[0] = char(0xf0 | (point >> 18));
        bytes[1] = char(0x80 | ((point >> 12) & 0x3f));
        bytes[2] = char(0x80 | ((point >> 6) & 0x3f));
        size = 3;
    }
    bytes[size++] = char(0x80 | (point & 0x3f));
    out.append(bytes, size);
    return units;
}

// One pass from UTF-16 to escaped UTF-8, with no intermediate copy: big strings are the bulk of
// big frames, and they are mostly plain ASCII.
void appendString(QByteArray &out, QStringView text)
{
    const char16_t *src = text.utf16();
    const char16_t *const end = src + text.size();
    out += '"';
    while (src != end) {
        if (isPlain(*src)) {
            const qsizetype at = out.size();
            out.resize(at + (end - src)); // room for the rest, were it all plain
            const qsizetype plain = copyPlain(src, end, out.data() + at);
            out.resize(at + plain);
            src += plain;
        } else if (*src < 0x80) {
            appendEscapedAscii(out, *src++);
        } else {
            src += appendUtf8(out, src, end);
        }
    }
    out += '"';
}

// JSON has no NaN or infinity: the old JSON API writes null, as Qt does.
void appendJsonDouble(QByteArray &out, double number)
{
    if (!std::isfinite(number)) {
        out += "null";
        return;
    }
    out += QByteArray::number(number, 'g', QLocale::FloatingPointShortest);
}

// The wire dialect keeps a double a double in Python: 3.0 rather than 3, and NaN and infinities.
void appendWireDouble(QByteArray &out, double number)
{
    if (std::isnan(number)) {
        out += "NaN";
        return;
    }
    if (std::isinf(number)) {
        out += number > 0 ? "Infinity" : "-Infinity";
        return;
    }
    const qsizetype at = out.size();
    out += QByteArray::number(number, 'g', QLocale::FloatingPointShortest);
    if (std::all_of(out.cbegin() + at, out.cend(), [](char c) { return c == '-' || (c >= '0' && c <= '9'); }))
        out += ".0";
}

QString tooDeep()
{
    return QStringLiteral("the value is nested deeper than %1 levels").arg(MaxValueDepth);
}

} // namespace

void appendJsonString(QByteArray &out, QStringView text)
{
    appendString(out, text);
}

bool appendJson(QByteArray &out, const QJsonValue &value, QString *error)
{
    // One entry per open array or object. Reading through const references never detaches, so
    // the walk is linear in the size of the value however deep it is.
    struct Level {
        QJsonArray array;
        QJsonObject object;
        bool isObject;
        qsizetype index = 0;
    };
    std::vector<Level> stack;
    QJsonValue current = value;
    for (;;) {
        switch (current.type()) {
        case QJsonValue::Null:
        case QJsonValue::Undefined:
            out += "null";
            break;
        case QJsonValue::Bool:
            out += current.toBool() ? "true" : "false";
            break;
        case QJsonValue::Double:
            if (current.toInteger(-1) == current.toInteger(1)) // a whole number that fits qint64
                out += QByteArray::number(current.toInteger());
            else
                appendJsonDouble(out, current.toDouble());
            break;
        case QJsonValue::String:
            appendString(out, current.toString());
            break;
        case QJsonValue::Array:
        case QJsonValue::Object:
            if (stack.size() >= size_t(MaxValueDepth)) {
                *error = tooDeep();
                return false;
            }
            if (current.isArray()) {
                out += '[';
                stack.push_back({current.toArray(), {}, false});
            } else {
                out += '{';
                stack.push_back({{}, current.toObject(), true});
            }
            break;
        }
        // Close what is complete, then move to the next item.
        for (;;) {
            if (stack.empty())
                return true;
            Level &top = stack.back();
            const qsizetype size = top.isObject ? top.object.size() : top.array.size();
            if (top.index < size) {
                if (top.index > 0)
                    out += ',';
                if (top.isObject) {
                    const auto it = std::as_const(top.object).constBegin() + top.index;
                    appendString(out, it.key());
                    out += ':';
                    current = it.value();
                } else {
                    current = top.array.at(top.index);
                }
                ++top.index;
                break;
            }
            out += top.isObject ? '}' : ']';
            stack.pop_back();
        }
    }
}

namespace {

bool appendKey(QByteArray &out, const QCborValue &key, bool *nulKey, QString *error)
{
    if (key.isString()) {
        const QString text = key.toString();
        if (text.size() == 1 && text.front() == QChar(0))
            *nulKey = true;
        appendString(out, text);
    } else if (key.isInteger()) {
        out += '"' + QByteArray::number(key.toInteger()) + '"';
    } else if (key.isDouble()) {
        out += '"';
        appendWireDouble(out, key.toDouble());
        out += '"';
    } else if (key.isBool()) {
        out += key.toBool() ? "\"true\"" : "\"false\"";
    } else {
        *error = QStringLiteral("a map key is neither text nor a number (%1)").arg(int(key.type()));
        return false;
    }
    out += ':';
    return true;
}

// The bytes of a byte string value. toByteArray() copies them into fresh memory, whose page
// faults cost more than the copy; written through a CBOR writer they can go into a buffer that
// the last big part left behind. The CBOR head in front is dropped (in O(1): Qt moves the start).
QByteArray byteString(const QCborValue &value, FrameParts *parts)
{
    if (parts->spareBlob.capacity() == 0)
        return value.toByteArray();
    QByteArray blob = std::exchange(parts->spareBlob, QByteArray());
    {
        QCborStreamWriter writer(&blob);
        value.toCbor(writer);
    }
    const int additional = static_cast<unsigned char>(blob.at(0)) & 0x1f;
    blob.remove(0, additional < 24 ? 1 : 1 + (1 << (additional - 24)));
    return blob;
}

} // namespace

bool appendValue(QByteArray &out, const QCborValue &value, FrameParts *parts, QString *error)
{
    // One entry per open array, map or tag. A tag is a level with one item, its content.
    enum class Kind { Array, Map, Tag };
    struct Level {
        Kind kind;
        QCborArray array;
        QCborMap map;
        QCborValue tagged;
        qsizetype index = 0;
    };
    std::vector<Level> stack;
    bool nulKey = false;
    QCborValue current = value;
    for (;;) {
        if (current.isArray() || current.isMap() || current.isTag()) {
            if (stack.size() >= size_t(MaxValueDepth)) {
                *error = tooDeep();
                return false;
            }
        }
        switch (current.type()) {
        case QCborValue::Integer:
            out += QByteArray::number(current.toInteger());
            break;
        case QCborValue::Double:
            appendWireDouble(out, current.toDouble());
            break;
        case QCborValue::False:
            out += "false";
            break;
        case QCborValue::True:
            out += "true";
            break;
        case QCborValue::String:
            appendString(out, current.toString());
            break;
        case QCborValue::ByteArray:
            parts->tagged = true;
            out += "{\"\\u0000\":" + QByteArray::number(parts->blobs.size()) + '}';
            parts->blobs.append(byteString(current, parts));
            break;
        case QCborValue::Array:
            out += '[';
            stack.push_back({Kind::Array, current.toArray(), {}, {}});
            break;
        case QCborValue::Map:
            out += '{';
            stack.push_back({Kind::Map, {}, current.toMap(), {}});
            break;
        default:
            if (current.isTag()) {
                const quint64 tag = quint64(current.tag());
                const QCborValue content = current.taggedValue();
                if ((tag == 2 || tag == 3) && content.isByteArray()) {
                    // Bignums travel as digits: Python reads them as int, exactly.
                    const QByteArray magnitude = content.toByteArray();
                    if (tag == 3)
                        out += '-' + decimalFromMagnitude(addToMagnitude(magnitude, 1));
                    else
                        out += decimalFromMagnitude(magnitude);
                    break;
                }
                parts->tagged = true;
                out += "{\"\\u0000\":[" + QByteArray::number(tag) + ',';
                stack.push_back({Kind::Tag, {}, {}, content});
            } else {
                out += "null"; // undefined and simple values: Python has only None
            }
            break;
        }
        for (;;) {
            if (stack.empty()) {
                if (nulKey && parts->tagged) {
                    *error = QStringLiteral("a map has the key \"\\u0000\", which QtPyVenv reserves");
                    return false;
                }
                return true;
            }
            Level &top = stack.back();
            const qsizetype size = top.kind == Kind::Array ? top.array.size()
                : top.kind == Kind::Map                   ? top.map.size()
                                                          : 1;
            if (top.index < size) {
                if (top.index > 0)
                    out += ',';
                if (top.kind == Kind::Map) {
                    const auto it = top.map.constBegin() + top.index;
                    if (!appendKey(out, it.key(), &nulKey, error))
                        return false;
                    current = it.value();
                } else if (top.kind == Kind::Array) {
                    current = top.array.at(top.index);
                } else {
                    current = top.tagged;
                }
                ++top.index;
                break;
            }
            out += top.kind == Kind::Array ? "]" : top.kind == Kind::Map ? "}" : "]}";
            stack.pop_back();
        }
    }
}

} // namespace QtPyVenv::Internal
