// SPDX-License-Identifier: MIT
#pragma once

#include <QColor>
#include <QPalette>

namespace QtPyVenvApp {

//! True when \a palette is a dark one (light text on a dark base).
bool isDarkPalette(const QPalette &palette);
//! Text colour for stderr: a red readable on the palette's base colour.
QColor stderrColor(const QPalette &palette);
//! Text colour for a good state (valid input): a green readable on the palette's base colour.
QColor okColor(const QPalette &palette);
//! Text colour for pip/venv output: muted, readable on the base colour.
QColor pipColor(const QPalette &palette);
//! Background and border for the error banner, following the palette.
QColor bannerBackground(const QPalette &palette);
QColor bannerBorder(const QPalette &palette);

//! Python syntax colours (PythonHighlighter), readable on the palette's base colour.
struct SyntaxColors {
    QColor keyword;
    QColor builtin;
    QColor string;
    QColor comment;
    QColor number;
    QColor decorator;
    QColor definition; //!< the name after def or class
};
SyntaxColors syntaxColors(const QPalette &palette);
//! Background of the line the cursor is on in a source editor: a tint of the base colour.
QColor currentLineBackground(const QPalette &palette);
//! Background of a source line an error points at.
QColor errorLineBackground(const QPalette &palette);

} // namespace QtPyVenvApp
