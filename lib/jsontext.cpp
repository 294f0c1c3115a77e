// SPDX-License-Identifier: MIT
#include "jsontext.h"

#include <QChar>

#include <cstring>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace QtPyVenv::Internal::JsonText {

namespace {

void appendUtf8(QByteArray &out, char32_t point)
{
    if (point < 0x80) {
        out += char(point);
    } else if (point < 0x800) {
        out += char(0xc0 | (point >> 6));
        out += char(0x80 | (point & 0x3f));
    } else if (point < 0x10000) {
        out += char(0xe0 | (point >> 12));
        out += char(0x80 | ((point >> 6) & 0x3f));
        out += char(0x80 | (point & 0x3f));
    } else {
        out += char(0xf0 | (point >> 18));
        out += char(0x80 | ((point >> 12) & 0x3f));
        out += char(0x80 | ((point >> 6) & 0x3f));
        out += char(0x80 | (point & 0x3f));
    }
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// The four hex digits of a \u escape at \a at, which it passes; -1 when they are not there.
int hexUnit(const char *&at, const char *end)
{
    if (end - at < 4)
        return -1;
    int value = 0;
    for (int i = 0; i < 4; ++i) {
        const int digit = hexValue(at[i]);
        if (digit < 0)
            return -1;
        value = value * 16 + digit;
    }
    at += 4;
    return value;
}

// The code point of the \u escape whose digits \a at points to, with its low surrogate if one
// follows; false when the digits are not there.
bool unicodeEscape(const char *&at, const char *end, char32_t *point)
{
    const int first = hexUnit(at, end);
    if (first < 0)
        return false;
    *point = char32_t(first);
    if (QChar::isHighSurrogate(*point) && end - at >= 6 && at[0] == '\\' && at[1] == 'u') {
        const char *low = at + 2;
        const int second = hexUnit(low, end);
        if (second >= 0 && QChar::isLowSurrogate(char32_t(second))) {
            *point = QChar::surrogateToUcs4(char16_t(first), char16_t(second));
            at = low;
        }
    }
    if (QChar::isSurrogate(*point))
        *point = QChar::ReplacementCharacter; // a lone surrogate, as QString::toUtf8() makes it
    return true;
}

// Appends what the escape after a backslash at \a at means; false when it means nothing.
bool escape(const char *&at, const char *end, QByteArray *utf8, const char **why)
{
    switch (*at++) {
    case '"': *utf8 += '"'; return true;
    case '\\': *utf8 += '\\'; return true;
    case '/': *utf8 += '/'; return true;
    case 'b': *utf8 += '\b'; return true;
    case 'f': *utf8 += '\f'; return true;
    case 'n': *utf8 += '\n'; return true;
    case 'r': *utf8 += '\r'; return true;
    case 't': *utf8 += '\t'; return true;
    case 'u': {
        char32_t point = 0;
        if (!unicodeEscape(at, end, &point)) {
            *why = "bad \\u escape";
            return false;
        }
        appendUtf8(*utf8, point);
        return true;
    }
    default:
        *why = "bad escape";
        return false;
    }
}

const char *digitRun(const char *at, const char *end)
{
    while (at != end && isDigit(*at))
        ++at;
    return at;
}

} // namespace

// Sixteen bytes per step where SSE2 is there.
qsizetype plainRun(const char *at, const char *end)
{
    const char *const begin = at;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i lastControl = _mm_set1_epi8(0x1f);
    while (end - at >= 16) {
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i *>(at));
        const __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(bytes, lastControl), lastControl);
        const __m128i special =
            _mm_or_si128(control, _mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash)));
        if (const int mask = _mm_movemask_epi8(special))
            return at - begin + __builtin_ctz(unsigned(mask));
        at += 16;
    }
#endif
    while (at != end && *at != '"' && *at != '\\' && static_cast<unsigned char>(*at) >= 0x20)
        ++at;
    return at - begin;
}

bool readString(const char *&at, const char *end, QByteArray *utf8, const char **why)
{
    ++at; // opening quote
    utf8->resize(0);
    for (;;) {
        const qsizetype run = plainRun(at, end);
        utf8->append(at, run);
        at += run;
        if (at == end) {
            *why = "unterminated string";
            return false;
        }
        const char c = *at++;
        if (c == '"')
            return true;
        if (c != '\\') {
            *why = "control character in a string";
            return false;
        }
        if (at == end) {
            *why = "unterminated string";
            return false;
        }
        if (!escape(at, end, utf8, why))
            return false;
    }
}

bool scanNumber(const char *at, const char *end, NumberText *number, const char **why)
{
    if (at != end && *at == '-')
        ++at;
    number->digits = at;
    at = digitRun(at, end);
    if (at == number->digits || (*number->digits == '0' && at - number->digits > 1)) {
        *why = "unexpected character";
        return false;
    }
    number->digitsEnd = at;
    number->integral = true;
    if (at != end && *at == '.') {
        number->integral = false;
        const char *const fraction = ++at;
        at = digitRun(at, end);
        if (at == fraction) {
            *why = "a number without digits after '.'";
            return false;
        }
    }
    if (at != end && (*at == 'e' || *at == 'E')) {
        number->integral = false;
        ++at;
        if (at != end && (*at == '+' || *at == '-'))
            ++at;
        const char *const exponent = at;
        at = digitRun(at, end);
        if (at == exponent) {
            *why = "a number without exponent digits";
            return false;
        }
    }
    number->end = at;
    return true;
}

const char *specialDouble(const char *at, const char *end, double *value)
{
    const bool negative = at != end && *at == '-';
    if (negative)
        ++at;
    if (end - at >= 8 && std::memcmp(at, "Infinity", 8) == 0) {
        *value = negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
        return at + 8;
    }
    if (!negative && end - at >= 3 && std::memcmp(at, "NaN", 3) == 0) {
        *value = std::numeric_limits<double>::quiet_NaN();
        return at + 3;
    }
    return nullptr;
}

} // namespace QtPyVenv::Internal::JsonText
