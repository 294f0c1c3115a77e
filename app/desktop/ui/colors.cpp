// SPDX-License-Identifier: MIT
#include "colors.h"

namespace QtPyVenvApp {

bool isDarkPalette(const QPalette &palette)
{
    return palette.color(QPalette::Base).lightness() < palette.color(QPalette::Text).lightness();
}

QColor stderrColor(const QPalette &palette)
{
    return isDarkPalette(palette) ? QColor(0xff, 0x7b, 0x72) : QColor(0xc0, 0x1c, 0x28);
}

QColor okColor(const QPalette &palette)
{
    return isDarkPalette(palette) ? QColor(0x7e, 0xe7, 0x87) : QColor(0x1a, 0x7f, 0x37);
}

QColor pipColor(const QPalette &palette)
{
    return isDarkPalette(palette) ? QColor(0x79, 0xc0, 0xff) : QColor(0x1a, 0x5f, 0xb4);
}

QColor bannerBackground(const QPalette &palette)
{
    return isDarkPalette(palette) ? QColor(0x5a, 0x1e, 0x1e) : QColor(0xfd, 0xe7, 0xe9);
}

QColor bannerBorder(const QPalette &palette)
{
    return isDarkPalette(palette) ? QColor(0xc0, 0x3c, 0x3c) : QColor(0xe0, 0x6c, 0x75);
}

} // namespace QtPyVenvApp
