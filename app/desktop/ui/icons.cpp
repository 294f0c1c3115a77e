// SPDX-License-Identifier: MIT
#include "icons.h"

namespace QtPyVenvApp {

QIcon themedIcon(const QString &freedesktopName)
{
    return QIcon::fromTheme(freedesktopName,
                            QIcon(QStringLiteral(":/qtpyvenv-app/icons/%1.svg").arg(freedesktopName)));
}

} // namespace QtPyVenvApp
