// SPDX-License-Identifier: MIT
#pragma once

#include <QStyledItemDelegate>

namespace QtPyVenvApp {

/*!
 * Draws an environment's name with where it runs on a second, dimmer line ("ssh gpu-box"),
 * from EnvironmentListModel::RunsOnRole; the model's DisplayRole stays the plain name.
 */
class EnvironmentDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace QtPyVenvApp
