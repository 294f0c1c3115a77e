// SPDX-License-Identifier: MIT
#include "pythonhighlighter.h"

#include "colors.h"

#include <QRegularExpression>
#include <QSet>

namespace QtPyVenvApp {

namespace {

const QSet<QString> &keywords()
{
    static const QSet<QString> words{
        QStringLiteral("False"), QStringLiteral("None"), QStringLiteral("True"), QStringLiteral("and"),
        QStringLiteral("as"), QStringLiteral("assert"), QStringLiteral("async"), QStringLiteral("await"),
        QStringLiteral("break"), QStringLiteral("class"), QStringLiteral("continue"), QStringLiteral("def"),
        QStringLiteral("del"), QStringLiteral("elif"), QStringLiteral("else"), QStringLiteral("except"),
        QStringLiteral("finally"), QStringLiteral("for"), QStringLiteral("from"), QStringLiteral("global"),
        QStringLiteral("if"), QStringLiteral("import"), QStringLiteral("in"), QStringLiteral("is"),
        QStringLiteral("lambda"), QStringLiteral("nonlocal"), QStringLiteral("not"), QStringLiteral("or"),
        QStringLiteral("pass"), QStringLiteral("raise"), QStringLiteral("return"), QStringLiteral("try"),
        QStringLiteral("while"), QStringLiteral("with"), QStringLiteral("yield")};
    return words;
}

//! The builtins a data script meets most; the rest read as plain names.
const QSet<QString> &builtins()
{
    static const QSet<QString> words{
        QStringLiteral("abs"), QStringLiteral("all"), QStringLiteral("any"), QStringLiteral("bool"),
        QStringLiteral("bytes"), QStringLiteral("callable"), QStringLiteral("chr"), QStringLiteral("classmethod"),
        QStringLiteral("dict"), QStringLiteral("dir"), QStringLiteral("divmod"), QStringLiteral("enumerate"),
        QStringLiteral("filter"), QStringLiteral("float"), QStringLiteral("format"), QStringLiteral("frozenset"),
        QStringLiteral("getattr"), QStringLiteral("hasattr"), QStringLiteral("hash"), QStringLiteral("id"),
        QStringLiteral("int"), QStringLiteral("isinstance"), QStringLiteral("issubclass"), QStringLiteral("iter"),
        QStringLiteral("len"), QStringLiteral("list"), QStringLiteral("map"), QStringLiteral("max"),
        QStringLiteral("min"), QStringLiteral("next"), QStringLiteral("object"), QStringLiteral("open"),
        QStringLiteral("ord"), QStringLiteral("pow"), QStringLiteral("print"), QStringLiteral("property"),
        QStringLiteral("range"), QStringLiteral("repr"), QStringLiteral("reversed"), QStringLiteral("round"),
        QStringLiteral("set"), QStringLiteral("setattr"), QStringLiteral("slice"), QStringLiteral("sorted"),
        QStringLiteral("staticmethod"), QStringLiteral("str"), QStringLiteral("sum"), QStringLiteral("super"),
        QStringLiteral("tuple"), QStringLiteral("type"), QStringLiteral("vars"), QStringLiteral("zip"),
        QStringLiteral("Exception"), QStringLiteral("ValueError"), QStringLiteral("TypeError"),
        QStringLiteral("KeyError"), QStringLiteral("IndexError"), QStringLiteral("RuntimeError")};
    return words;
}

bool isQuote(QChar c)
{
    return c == QLatin1Char('\'') || c == QLatin1Char('"');
}

bool isWordChar(QChar c)
{
    return c.isLetterOrNumber() || c == QLatin1Char('_');
}

//! r, b, f, u and their pairs, in either case: the letters that may open a string literal.
bool isStringPrefix(QStringView word)
{
    static const QSet<QString> prefixes{QStringLiteral("r"), QStringLiteral("b"), QStringLiteral("f"),
                                        QStringLiteral("u"), QStringLiteral("rb"), QStringLiteral("br"),
                                        QStringLiteral("rf"), QStringLiteral("fr")};
    return word.size() <= 2 && prefixes.contains(word.toString().toLower());
}

//! The index after the quote that closes a string opened before \a from, -1 when it runs on.
int closingQuote(const QString &text, int from, QChar quote, bool triple)
{
    for (int i = from; i < text.size(); ++i) {
        if (text.at(i) == QLatin1Char('\\')) {
            ++i; // what it escapes closes nothing
        } else if (text.at(i) == quote) {
            if (!triple)
                return i + 1;
            if (QStringView(text).mid(i, 3) == QString(3, quote))
                return i + 3;
        }
    }
    return -1;
}

} // namespace

PythonHighlighter::PythonHighlighter(QTextDocument *document)
    : QSyntaxHighlighter(document)
{
    setPalette(QPalette());
}

void PythonHighlighter::setPalette(const QPalette &palette)
{
    const SyntaxColors colors = syntaxColors(palette);
    const std::array<QColor, 7> foregrounds{colors.keyword, colors.builtin, colors.string, colors.comment,
                                            colors.number, colors.decorator, colors.definition};
    for (size_t i = 0; i < m_formats.size(); ++i) {
        m_formats[i] = QTextCharFormat();
        m_formats[i].setForeground(foregrounds[i]);
    }
    m_formats[int(Token::Keyword)].setFontWeight(QFont::Bold);
    m_formats[int(Token::Comment)].setFontItalic(true);
    m_formats[int(Token::Definition)].setFontWeight(QFont::Bold);
    rehighlight();
}

void PythonHighlighter::highlightBlock(const QString &text)
{
    static const QRegularExpression number(
        QStringLiteral(R"((?:0[xXoObB][0-9a-fA-F_]+|\d[\d_]*\.?[\d_]*(?:[eE][+-]?\d+)?|\.\d[\d_]*(?:[eE][+-]?\d+)?)[jJ]?)"));
    static const QRegularExpression decorator(QStringLiteral(R"(@[\w.]+)"));

    setCurrentBlockState(Code);
    int i = 0;
    if (const int open = previousBlockState(); open == InSingleQuoted || open == InDoubleQuoted) {
        const int end = closingQuote(text, 0, QLatin1Char(open == InDoubleQuoted ? '"' : '\''), true);
        setTokenFormat(0, end < 0 ? text.size() : end, Token::String);
        if (end < 0) {
            setCurrentBlockState(open);
            return;
        }
        i = end;
    }
    bool definesNext = false; // after def or class: the next word is the name defined
    while (i < text.size()) {
        const QChar c = text.at(i);
        const bool nextIsDigit = i + 1 < text.size() && text.at(i + 1).isDigit();
        if (c == QLatin1Char('#')) {
            setTokenFormat(i, text.size(), Token::Comment);
            return;
        } else if (isQuote(c)) {
            i = highlightString(text, i, i);
        } else if (c.isLetter() || c == QLatin1Char('_')) {
            i = highlightWord(text, i, &definesNext);
            continue;
        } else if (c.isDigit() || (c == QLatin1Char('.') && nextIsDigit)) {
            i = highlightMatch(text, i, number, Token::Number);
        } else if (c == QLatin1Char('@') && QStringView(text).left(i).trimmed().isEmpty()) {
            i = highlightMatch(text, i, decorator, Token::Decorator);
        } else {
            ++i;
        }
        if (!c.isSpace())
            definesNext = false;
    }
}

int PythonHighlighter::highlightString(const QString &text, int from, int quote)
{
    const QChar q = text.at(quote);
    const bool triple = QStringView(text).mid(quote, 3) == QString(3, q);
    const int end = closingQuote(text, quote + (triple ? 3 : 1), q, triple);
    setTokenFormat(from, end < 0 ? text.size() : end, Token::String);
    if (end < 0 && triple)
        setCurrentBlockState(q == QLatin1Char('"') ? InDoubleQuoted : InSingleQuoted);
    return end < 0 ? text.size() : end;
}

int PythonHighlighter::highlightWord(const QString &text, int at, bool *definesNext)
{
    int end = at;
    while (end < text.size() && isWordChar(text.at(end)))
        ++end;
    const QString word = text.mid(at, end - at);
    if (end < text.size() && isQuote(text.at(end)) && isStringPrefix(word))
        return highlightString(text, at, end);
    const bool attribute = at > 0 && text.at(at - 1) == QLatin1Char('.'); // x.list is no builtin
    if (*definesNext)
        setTokenFormat(at, end, Token::Definition);
    else if (keywords().contains(word))
        setTokenFormat(at, end, Token::Keyword);
    else if (!attribute && builtins().contains(word))
        setTokenFormat(at, end, Token::Builtin);
    *definesNext = word == QLatin1String("def") || word == QLatin1String("class");
    return end;
}

int PythonHighlighter::highlightMatch(const QString &text, int at, const QRegularExpression &pattern, Token token)
{
    const QRegularExpressionMatch match =
        pattern.match(text, at, QRegularExpression::NormalMatch, QRegularExpression::AnchorAtOffsetMatchOption);
    const int end = match.hasMatch() ? match.capturedEnd() : at + 1;
    setTokenFormat(at, end, token);
    return end;
}

} // namespace QtPyVenvApp
