// SPDX-License-Identifier: MIT
#pragma once

#include <QtPyVenv/value.h>

#include <QFuture>
#include <QTableView>
#include <QWidget>

class QLabel;
class QPushButton;

namespace QtPyVenvApp {

class NdArrayModel;
class TableModel;

/*!
 * A table view for large results: fixed row heights, and the copy shortcut (Ctrl+C) puts the
 * selected cells on the clipboard as tab-separated text, exact values.
 */
class DataTableView : public QTableView
{
    Q_OBJECT

public:
    explicit DataTableView(QWidget *parent = nullptr);
    //! The selection as tab-separated text (selectionToTsv()).
    QString selectedText() const;

public Q_SLOTS:
    void copySelection();

protected:
    void keyPressEvent(QKeyEvent *event) override;
};

/*!
 * The Table view of a result: its size, the table (sortable by a header click, a TableModel
 * behind it), Copy and Export CSV. Exporting runs off the GUI thread.
 */
class TablePane : public QWidget
{
    Q_OBJECT

public:
    explicit TablePane(QWidget *parent = nullptr);

    void setTable(const QtPyVenv::Table &table);
    TableModel *model() const { return m_model; }
    DataTableView *view() const { return m_view; }
    /*!
     * Writes the table as CSV to \a path, in the order shown, on a pool thread; the future's
     * result is "" on success, else the error.
     */
    QFuture<QString> exportCsv(const QString &path);

Q_SIGNALS:
    void exported(const QString &path, const QString &error);

private:
    void chooseExportFile();
    void updateSummary();

    TableModel *m_model;
    DataTableView *m_view;
    QLabel *m_summary;
    QPushButton *m_export;
};

/*!
 * The Array view of a result: dtype, shape, min, max and mean (NaN ignored) above the array
 * as a table (1-D: one column; 2-D: rows × columns; more: the first 2-D slice).
 */
class ArrayPane : public QWidget
{
    Q_OBJECT

public:
    explicit ArrayPane(QWidget *parent = nullptr);

    void setArray(const QtPyVenv::NdArray &array);
    NdArrayModel *model() const { return m_model; }
    DataTableView *view() const { return m_view; }
    //! The line above the table: "float64 · shape (4, 4) · min 0 · max 15 · mean 7.5".
    QString summaryText() const;

private:
    NdArrayModel *m_model;
    DataTableView *m_view;
    QLabel *m_summary;
};

} // namespace QtPyVenvApp
