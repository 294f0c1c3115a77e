// SPDX-License-Identifier: MIT
#pragma once

#include <QSyntaxHighlighter>
#include <QTextCharFormat>

#include <array>

namespace QtPyVenvApp {

/*!
 * Python syntax colouring: keywords, builtins, strings (triple-quoted ones across lines),
 * comments, numbers, decorators and the names def and class define. A scanner over each line,
 * not a list of regular expressions, so a '#' in a string or a quote in a comment is no
 * surprise. The colours come from syntaxColors() of the palette given.
 */
class PythonHighlighter : public QSyntaxHighlighter
{
    Q_OBJECT

public:
    enum class Token { Keyword, Builtin, String, Comment, Number, Decorator, Definition };

    explicit PythonHighlighter(QTextDocument *document);
    //! Takes the colours readable on \a palette's base and colours the document again.
    void setPalette(const QPalette &palette);
    //! The format \a token gets.
    QTextCharFormat format(Token token) const { return m_formats[int(token)]; }

protected:
    void highlightBlock(const QString &text) override;

private:
    //! A line's state at its end: in code, or in a triple-quoted string that goes on.
    enum BlockState { Code = 0, InSingleQuoted, InDoubleQuoted };

    //! Colours the string whose quote is at \a quote from \a from (its prefix); the index after it.
    int highlightString(const QString &text, int from, int quote);
    //! Colours a word: a keyword, builtin or defined name; the index after it.
    int highlightWord(const QString &text, int at, bool *definesNext);
    //! Colours what a regular expression matches at \a at as \a token; the index after it.
    int highlightMatch(const QString &text, int at, const QRegularExpression &pattern, Token token);
    void setTokenFormat(int start, int end, Token token) { setFormat(start, end - start, format(token)); }

    std::array<QTextCharFormat, 7> m_formats;
};

} // namespace QtPyVenvApp
