// SPDX-License-Identifier: MIT
#pragma once

#include <QStyledItemDelegate>

namespace QtPyVenvApp {

/*!
 * Paints CallModel's Progress cells as a progress bar with the progress text on it: filled to
 * CallModel::ProgressRole, or busy (a chunk sliding with the call's elapsed time) when that is
 * negative; plain text when it is invalid.
 */
class CallProgressDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    void paintBusyChunk(QPainter *painter, const QRect &groove, qint64 elapsedMs, const QPalette &palette) const;
};

} // namespace QtPyVenvApp
