// SPDX-License-Identifier: MIT
#include "appstatus.h"

#include <QHash>
#include <QPainter>
#include <QPixmap>

namespace QtPyVenvApp {

QString statusText(EnvStatus status)
{
    switch (status) {
    case EnvStatus::Stopped: return QStringLiteral("idle");
    case EnvStatus::Starting: return QStringLiteral("starting");
    case EnvStatus::Installing: return QStringLiteral("installing");
    case EnvStatus::Ready: return QStringLiteral("ready");
    case EnvStatus::Died: return QStringLiteral("died");
    case EnvStatus::Failed: return QStringLiteral("failed");
    }
    return {};
}

QIcon statusIcon(EnvStatus status)
{
    static QHash<int, QIcon> cache;
    if (const auto it = cache.constFind(int(status)); it != cache.constEnd())
        return *it;
    QColor fill;
    switch (status) {
    case EnvStatus::Stopped: fill = QColor(0x9e, 0x9e, 0x9e); break;
    case EnvStatus::Starting: fill = QColor(0xf5, 0xb0, 0x29); break;
    case EnvStatus::Installing: fill = QColor(0x3d, 0x8e, 0xe0); break;
    case EnvStatus::Ready: fill = QColor(0x3c, 0xb3, 0x4a); break;
    case EnvStatus::Died: fill = QColor(0xe0, 0x3c, 0x3c); break;
    case EnvStatus::Failed: fill = QColor(0xb0, 0x45, 0x20); break;
    }
    QIcon icon;
    for (int size : {16, 32}) {
        QPixmap pixmap(size, size);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(QPen(fill.darker(140), size / 16.0));
        painter.setBrush(fill);
        const qreal m = size * 0.18;
        painter.drawEllipse(QRectF(m, m, size - 2 * m, size - 2 * m));
        if (status == EnvStatus::Died || status == EnvStatus::Failed) {
            painter.setPen(QPen(Qt::white, size / 10.0));
            const qreal a = size * 0.38, b = size - a;
            painter.drawLine(QPointF(a, a), QPointF(b, b));
            painter.drawLine(QPointF(a, b), QPointF(b, a));
        }
        painter.end();
        icon.addPixmap(pixmap);
    }
    cache.insert(int(status), icon);
    return icon;
}

QString callStateText(CallState state)
{
    switch (state) {
    case CallState::Running: return QStringLiteral("running");
    case CallState::Done: return QStringLiteral("done");
    case CallState::Failed: return QStringLiteral("failed");
    case CallState::Died: return QStringLiteral("died");
    case CallState::Cancelled: return QStringLiteral("cancelled");
    }
    return {};
}

} // namespace QtPyVenvApp
