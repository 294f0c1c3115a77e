// SPDX-License-Identifier: MIT
#pragma once

#include <QtPyVenv/value.h>

#include <QItemSelection>
#include <QString>

#include <vector>

class QAbstractItemModel;
class QIODevice;

namespace QtPyVenvApp {

//! \a text as one CSV field (RFC 4180): quoted, inner quotes doubled, when it holds a comma, a
//! quote, CR or LF; as is otherwise.
QString csvField(const QString &text);
//! \a text as one tab-separated field: quoted like csvField() when it holds a tab, a quote,
//! CR or LF, as spreadsheets read it.
QString tsvField(const QString &text);

/*!
 * The selected cells of \a model as tab-separated text, for the clipboard: one line per row
 * that has a selected cell, one field per column that has one (empty where that cell is not
 * selected), in the model's order. Reads Qt::EditRole (the exact text), then DisplayRole.
 */
QString selectionToTsv(const QAbstractItemModel *model, const QItemSelection &selection);

/*!
 * Writes \a table as CSV (RFC 4180: CRLF line ends, a header line of column names, preceded by
 * the index's name and values when it has an index) in the row order \a order (row numbers;
 * empty: the table's own order). Thread-safe for a copy of the table. False with \a error set
 * when writing fails.
 */
bool writeTableCsv(const QtPyVenv::Table &table, const std::vector<qint64> &order, QIODevice *device,
                   QString *error = nullptr);

} // namespace QtPyVenvApp
