// SPDX-License-Identifier: MIT
#include "callprogressdelegate.h"

#include "core/callmodel.h"

#include <QApplication>
#include <QPainter>
#include <QStyle>

namespace QtPyVenvApp {

namespace {
constexpr int BusyPeriodMs = 1600; // one sweep of the busy chunk
constexpr int Steps = 1000;        // the bar's resolution
} // namespace

void CallProgressDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QVariant fraction = index.data(CallModel::ProgressRole);
    if (!fraction.isValid()) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem item(option);
    initStyleOption(&item, index);
    item.text.clear(); // the bar carries it
    QStyle *style = item.widget ? item.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &item, painter, item.widget); // background, selection

    QStyleOptionProgressBar bar;
    bar.QStyleOption::operator=(option);
    bar.state = (option.state & QStyle::State_Enabled) | QStyle::State_Horizontal;
    bar.rect = option.rect.adjusted(2, 2, -2, -2);
    bar.minimum = 0;
    bar.maximum = Steps;
    bar.textVisible = true;
    bar.text = index.data(Qt::DisplayRole).toString();
    bar.textAlignment = Qt::AlignCenter;
    if (const double value = fraction.toDouble(); value >= 0) {
        bar.progress = qRound(value * Steps);
        style->drawControl(QStyle::CE_ProgressBar, &bar, painter, item.widget);
        return;
    }
    // Busy: the style's own busy bar animates through a QWidget it is given, a cell has none.
    bar.progress = 0;
    style->drawControl(QStyle::CE_ProgressBarGroove, &bar, painter, item.widget);
    paintBusyChunk(painter, style->subElementRect(QStyle::SE_ProgressBarGroove, &bar, item.widget),
                   index.data(CallModel::ElapsedMsRole).toLongLong(), option.palette);
    bar.rect = style->subElementRect(QStyle::SE_ProgressBarLabel, &bar, item.widget);
    style->drawControl(QStyle::CE_ProgressBarLabel, &bar, painter, item.widget);
}

void CallProgressDelegate::paintBusyChunk(QPainter *painter, const QRect &groove, qint64 elapsedMs,
                                          const QPalette &palette) const
{
    const QRect inner = groove.adjusted(1, 1, -1, -1);
    const int width = qMax(8, inner.width() / 4);
    const double phase = double(qMax<qint64>(0, elapsedMs) % BusyPeriodMs) / BusyPeriodMs;
    const int left = inner.left() - width + qRound(phase * (inner.width() + width));
    QColor colour = palette.color(QPalette::Highlight);
    colour.setAlphaF(0.6f); // the label stays readable over it
    painter->save();
    painter->setClipRect(inner);
    painter->fillRect(QRect(left, inner.top(), width, inner.height()), colour);
    painter->restore();
}

} // namespace QtPyVenvApp
