// SPDX-License-Identifier: MIT
#include "delimitedtext.h"

#include "resultvalue.h"

#include <QAbstractItemModel>
#include <QIODevice>

#include <set>

namespace QtPyVenvApp {

namespace {

QString quoted(const QString &text)
{
    QString result = text;
    result.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + result + QLatin1Char('"');
}

bool needsQuotes(const QString &text, QChar separator)
{
    for (const QChar c : text) {
        if (c == separator || c == QLatin1Char('"') || c == QLatin1Char('\r') || c == QLatin1Char('\n'))
            return true;
    }
    return false;
}

QString exactCell(const QCborValue &value)
{
    return value.isString() ? value.toString() : cellText(value);
}

QString modelText(const QAbstractItemModel *model, int row, int column)
{
    const QModelIndex index = model->index(row, column);
    const QVariant exact = index.data(Qt::EditRole);
    return exact.isValid() ? exact.toString() : index.data(Qt::DisplayRole).toString();
}

} // namespace

QString csvField(const QString &text)
{
    return needsQuotes(text, QLatin1Char(',')) ? quoted(text) : text;
}

QString tsvField(const QString &text)
{
    return needsQuotes(text, QLatin1Char('\t')) ? quoted(text) : text;
}

QString selectionToTsv(const QAbstractItemModel *model, const QItemSelection &selection)
{
    if (!model || selection.isEmpty())
        return {};
    // One rectangle (the usual case) needs no per-cell lookup.
    std::set<int> rows, columns;
    for (const QItemSelectionRange &range : selection) {
        for (int row = range.top(); row <= range.bottom(); ++row)
            rows.insert(row);
        for (int column = range.left(); column <= range.right(); ++column)
            columns.insert(column);
    }
    const bool rectangle = selection.size() == 1;
    QString text;
    for (const int row : rows) {
        bool first = true;
        for (const int column : columns) {
            if (!first)
                text += QLatin1Char('\t');
            first = false;
            if (rectangle || selection.contains(model->index(row, column)))
                text += tsvField(modelText(model, row, column));
        }
        text += QLatin1Char('\n');
    }
    return text;
}

bool writeTableCsv(const QtPyVenv::Table &table, const std::vector<qint64> &order, QIODevice *device, QString *error)
{
    auto fail = [&] {
        if (error)
            *error = device->errorString();
        return false;
    };
    QStringList header;
    if (table.hasIndex())
        header << csvField(table.indexName());
    for (const QString &name : table.columnNames())
        header << csvField(name);
    QByteArray chunk = header.join(QLatin1Char(',')).toUtf8() + "\r\n";
    const qint64 rows = table.rowCount();
    const int columns = table.columnCount();
    for (qint64 i = 0; i < rows; ++i) {
        const qint64 row = order.empty() ? i : order[size_t(i)];
        QString line;
        if (table.hasIndex())
            line += csvField(exactCell(table.indexAt(row))) + QLatin1Char(',');
        for (int column = 0; column < columns; ++column) {
            if (column > 0)
                line += QLatin1Char(',');
            line += csvField(exactCell(table.cell(row, column)));
        }
        chunk += line.toUtf8() + "\r\n";
        if (chunk.size() >= 1 << 20) {
            if (device->write(chunk) != chunk.size())
                return fail();
            chunk.clear();
        }
    }
    if (!chunk.isEmpty() && device->write(chunk) != chunk.size())
        return fail();
    return true;
}

} // namespace QtPyVenvApp
