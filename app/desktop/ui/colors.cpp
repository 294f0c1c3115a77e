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

SyntaxColors syntaxColors(const QPalette &palette)
{
    // The light and dark sets of a common editor theme, tried and readable.
    if (isDarkPalette(palette))
        return {QColor(0x56, 0x9c, 0xd6), QColor(0x4e, 0xc9, 0xb0), QColor(0xce, 0x91, 0x78), QColor(0x6a, 0x99, 0x55),
                QColor(0xb5, 0xce, 0xa8), QColor(0xdc, 0xdc, 0xaa), QColor(0xdc, 0xdc, 0xaa)};
    return {QColor(0x00, 0x33, 0xb3), QColor(0x26, 0x7f, 0x99), QColor(0xa3, 0x15, 0x15), QColor(0x00, 0x80, 0x00),
            QColor(0x09, 0x86, 0x58), QColor(0x79, 0x5e, 0x26), QColor(0x79, 0x5e, 0x26)};
}

QColor currentLineBackground(const QPalette &palette)
{
    // A little of the text colour in the base: works for any base, black or white included.
    const QColor base = palette.color(QPalette::Base);
    const QColor text = palette.color(QPalette::Text);
    const auto mix = [](int b, int t) { return b + (t - b) * 8 / 100; };
    return QColor(mix(base.red(), text.red()), mix(base.green(), text.green()), mix(base.blue(), text.blue()));
}

QColor errorLineBackground(const QPalette &palette)
{
    return bannerBackground(palette); // the banner's tint: the same error, told in two places
}

} // namespace QtPyVenvApp
