// SPDX-License-Identifier: MIT
#include "tablepane.h"

#include "core/delimitedtext.h"
#include "core/resultvalue.h"
#include "core/tablemodel.h"

#include <QApplication>
#include <QClipboard>
#include <QFileDialog>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace QtPyVenvApp {

namespace {

QString number(qint64 n)
{
    return QLocale().toString(n);
}

QString statText(double value)
{
    return QString::number(value, 'g', 6);
}

} // namespace

DataTableView::DataTableView(QWidget *parent)
    : QTableView(parent)
{
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setAlternatingRowColors(true);
    setWordWrap(false);
    // A million rows: fixed heights, so the header never measures them.
    verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    horizontalHeader()->setHighlightSections(false);
    setToolTip(tr("Ctrl+C copies the selected cells as tab-separated text"));
}

QString DataTableView::selectedText() const
{
    return selectionModel() ? selectionToTsv(model(), selectionModel()->selection()) : QString();
}

void DataTableView::copySelection()
{
    const QString text = selectedText();
    if (!text.isEmpty())
        QApplication::clipboard()->setText(text);
}

void DataTableView::keyPressEvent(QKeyEvent *event)
{
    if (event == QKeySequence::Copy) {
        copySelection();
        event->accept();
        return;
    }
    QTableView::keyPressEvent(event);
}

TablePane::TablePane(QWidget *parent)
    : QWidget(parent)
    , m_model(new TableModel(this))
    , m_view(new DataTableView(this))
    , m_summary(new QLabel(this))
    , m_export(new QPushButton(tr("Export CSV…"), this))
{
    m_view->setObjectName(QStringLiteral("resultTable"));
    m_view->setModel(m_model);
    m_view->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder); // unsorted until a click
    m_view->setSortingEnabled(true);
    m_summary->setObjectName(QStringLiteral("tableSummary"));
    m_export->setObjectName(QStringLiteral("tableExport"));
    m_export->setToolTip(tr("Write the table, in the order shown, to a CSV file"));
    auto *copy = new QPushButton(tr("Copy"), this);
    copy->setObjectName(QStringLiteral("tableCopy"));
    copy->setToolTip(tr("Copy the selected cells as tab-separated text (Ctrl+C)"));
    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(0, 0, 0, 0);
    bar->addWidget(m_summary, 1);
    bar->addWidget(copy);
    bar->addWidget(m_export);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(bar);
    layout->addWidget(m_view, 1);
    connect(copy, &QPushButton::clicked, m_view, &DataTableView::copySelection);
    connect(m_export, &QPushButton::clicked, this, &TablePane::chooseExportFile);
    connect(m_model, &QAbstractItemModel::layoutChanged, this, &TablePane::updateSummary);
}

void TablePane::setTable(const QtPyVenv::Table &table)
{
    m_view->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    m_model->setTable(table);
    m_view->resizeColumnsToContents(); // measures the rows in sight only
    updateSummary();
}

void TablePane::updateSummary()
{
    const QtPyVenv::Table table = m_model->table();
    QString text = tr("%1 rows × %2 columns").arg(number(table.rowCount()), number(table.columnCount()));
    if (m_model->sortColumn() >= 0)
        text += tr(" · sorted by %1").arg(table.columnNames().value(m_model->sortColumn()));
    else
        text += tr(" · click a header to sort");
    m_summary->setText(text);
}

QFuture<QString> TablePane::exportCsv(const QString &path)
{
    const QtPyVenv::Table table = m_model->table(); // shared copies: safe to read on another thread
    const std::vector<qint64> order = m_model->order();
    return QtConcurrent::run([table, order, path]() -> QString {
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            return file.errorString();
        QString error;
        if (!writeTableCsv(table, order, &file, &error))
            return error;
        return file.commit() ? QString() : file.errorString();
    });
}

void TablePane::chooseExportFile()
{
    QString path = QFileDialog::getSaveFileName(this, tr("Export CSV"), QStringLiteral("result.csv"), tr("CSV files (*.csv)"));
    if (path.isEmpty())
        return;
    if (!path.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive))
        path += QStringLiteral(".csv");
    m_export->setEnabled(false);
    m_export->setText(tr("Exporting…"));
    auto *watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, path] {
        watcher->deleteLater();
        const QString error = watcher->result();
        m_export->setEnabled(true);
        m_export->setText(tr("Export CSV…"));
        if (!error.isEmpty())
            QMessageBox::warning(this, tr("Export CSV"), tr("Cannot write %1: %2").arg(path, error));
        Q_EMIT exported(path, error);
    });
    watcher->setFuture(exportCsv(path));
}

ArrayPane::ArrayPane(QWidget *parent)
    : QWidget(parent)
    , m_model(new NdArrayModel(this))
    , m_view(new DataTableView(this))
    , m_summary(new QLabel(this))
{
    m_view->setObjectName(QStringLiteral("resultArray"));
    m_view->setModel(m_model);
    m_summary->setObjectName(QStringLiteral("arraySummary"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(m_summary);
    layout->addWidget(m_view, 1);
}

void ArrayPane::setArray(const QtPyVenv::NdArray &array)
{
    m_model->setArray(array);
    QStringList dims;
    for (qint64 d : array.shape())
        dims << QString::number(d);
    QStringList parts{QtPyVenv::NdArray::dtypeName(array.dtype()),
                      tr("shape (%1%2)").arg(dims.join(QStringLiteral(", ")), dims.size() == 1 ? QStringLiteral(",") : QString()),
                      tr("%1 elements").arg(number(array.count()))};
    const ArrayStats stats = arrayStats(array);
    if (stats.count > 0)
        parts << tr("min %1").arg(statText(stats.min)) << tr("max %1").arg(statText(stats.max))
              << tr("mean %1").arg(statText(stats.mean));
    if (stats.nanCount > 0)
        parts << tr("%1 NaN").arg(number(stats.nanCount));
    if (m_model->isSlice()) {
        QString slice = QStringLiteral("[:, :");
        for (int i = 2; i < array.dimensions(); ++i)
            slice += QStringLiteral(", 0");
        parts << tr("showing %1]").arg(slice);
    }
    m_summary->setText(parts.join(QStringLiteral(" · ")));
    m_view->resizeColumnsToContents();
}

QString ArrayPane::summaryText() const
{
    return m_summary->text();
}

} // namespace QtPyVenvApp
