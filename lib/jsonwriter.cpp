// SPDX-License-Identifier: MIT
#include "jsonwriter.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QLocale>

#include <cmath>

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

void appendNumber(QByteArray &out, double number)
{
    if (!std::isfinite(number)) {
        out += "null"; // JSON has no NaN or infinity; Qt writes null too
        return;
    }
    out += QByteArray::number(number, 'g', QLocale::FloatingPointShortest);
}

} // namespace

void appendJson(QByteArray &out, const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        out += "null";
        break;
    case QJsonValue::Bool:
        out += value.toBool() ? "true" : "false";
        break;
    case QJsonValue::Double:
        if (value.toInteger(-1) == value.toInteger(1)) // a whole number that fits qint64
            out += QByteArray::number(value.toInteger());
        else
            appendNumber(out, value.toDouble());
        break;
    case QJsonValue::String:
        appendString(out, value.toString());
        break;
    case QJsonValue::Array: {
        out += '[';
        bool first = true;
        for (const QJsonValue &item : value.toArray()) {
            if (!first)
                out += ',';
            first = false;
            appendJson(out, item);
        }
        out += ']';
        break;
    }
    case QJsonValue::Object: {
        out += '{';
        const QJsonObject object = value.toObject();
        for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
            if (it != object.constBegin())
                out += ',';
            appendString(out, it.key());
            out += ':';
            appendJson(out, it.value());
        }
        out += '}';
        break;
    }
    }
}

} // namespace QtPyVenv::Internal
