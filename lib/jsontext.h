// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QtGlobal>

/*
 * The lexical pieces of the wire's JSON dialect (docs/protocol.md), shared by the readers that
 * build values from it (valuereader.h, directreader.h). Each reads from a position up to an end
 * pointer and never past it; a failure says why with a static message.
 */
namespace QtPyVenv::Internal::JsonText {

inline bool isSpace(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

inline bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

inline const char *skipSpace(const char *at, const char *end)
{
    while (at != end && isSpace(*at))
        ++at;
    return at;
}

// The length of the leading run of [at, end) that a JSON string holds as it is: no quote, no
// backslash, no control character.
qsizetype plainRun(const char *at, const char *end);

/*
 * The string whose opening quote \a at points to, unescaped, into \a utf8 (lone surrogates become
 * U+FFFD). True with \a at after the closing quote; false with \a at where it went wrong and \a why
 * set.
 */
bool readString(const char *&at, const char *end, QByteArray *utf8, const char **why);

// A number's text as the grammar takes it: where it ends, its integer digits (no sign), and
// whether it is written as an integer (no fraction, no exponent).
struct NumberText
{
    const char *end = nullptr;
    const char *digits = nullptr;
    const char *digitsEnd = nullptr;
    bool integral = true;
};

// Scans the number at \a at (an optional '-', then digits; not NaN or Infinity). False with
// \a why set when it is not one.
bool scanNumber(const char *at, const char *end, NumberText *number, const char **why);

// NaN, Infinity or -Infinity at \a at: the end of the word and its \a value, or null when none.
const char *specialDouble(const char *at, const char *end, double *value);

} // namespace QtPyVenv::Internal::JsonText
