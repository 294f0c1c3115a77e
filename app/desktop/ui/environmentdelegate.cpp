// SPDX-License-Identifier: MIT
#include "environmentdelegate.h"

#include "core/environmentlistmodel.h"

#include <QApplication>
#include <QPainter>

namespace QtPyVenvApp {

void EnvironmentDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    QStyleOptionViewItem item = background;
    background.text.clear();
    background.icon = {};
    background.features &= ~QStyleOptionViewItem::HasDecoration;
    // The name and the icon keep the first line's height; the rest of the cell is the second line.
    QRect second = item.rect;
    second.setTop(item.rect.bottom() - item.fontMetrics.height());
    item.rect.setBottom(second.top() - 1);
    item.backgroundBrush = Qt::NoBrush;
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &background, painter, widget); // selection, focus
    style->drawControl(QStyle::CE_ItemViewItem, &item, painter, widget);

    const QRect text = style->subElementRect(QStyle::SE_ItemViewItemText, &item, widget);
    second.setLeft(text.left());
    second.setRight(text.right());
    const bool selected = item.state & QStyle::State_Selected;
    painter->save();
    painter->setPen(item.palette.color(selected ? QPalette::HighlightedText : QPalette::PlaceholderText));
    const QString runsOn = index.data(EnvironmentListModel::RunsOnRole).toString();
    painter->drawText(second, Qt::AlignLeft | Qt::AlignVCenter, item.fontMetrics.elidedText(runsOn, Qt::ElideRight, second.width()));
    painter->restore();
}

QSize EnvironmentDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    if (!index.data(EnvironmentListModel::RunsOnRole).toString().isEmpty())
        size.rheight() += option.fontMetrics.height();
    return size;
}

} // namespace QtPyVenvApp
