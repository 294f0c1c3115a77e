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

} // namespace QtPyVenvApp
