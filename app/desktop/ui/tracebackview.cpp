// SPDX-License-Identifier: MIT
#include "tracebackview.h"

#include <QFontDatabase>
#include <QMouseEvent>
#include <QTextBlock>

namespace QtPyVenvApp {

TracebackView::TracebackView(QWidget *parent)
    : QPlainTextEdit(parent)
{
    setReadOnly(true);
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setLineWrapMode(NoWrap);
    viewport()->setMouseTracking(true); // the pointing hand over a link
}

void TracebackView::setTraceback(const QString &text, const QStringList &linkedFiles)
{
    m_linkedFiles = linkedFiles;
    setPlainText(text);
    QList<QTextEdit::ExtraSelection> links;
    for (QTextBlock block = document()->begin(); block.isValid(); block = block.next()) {
        if (!linkAt(block.blockNumber()).isValid())
            continue;
        QTextEdit::ExtraSelection link;
        link.format.setFontUnderline(true);
        link.format.setForeground(palette().color(QPalette::Link));
        link.cursor = QTextCursor(block);
        link.cursor.movePosition(QTextCursor::EndOfBlock, QTextCursor::KeepAnchor);
        links << link;
    }
    setExtraSelections(links);
}

SourceLocation TracebackView::linkAt(int line) const
{
    const SourceLocation location = tracebackLineLocation(document()->findBlockByNumber(line).text());
    return m_linkedFiles.contains(location.file) ? location : SourceLocation();
}

SourceLocation TracebackView::linkAtPosition(const QPoint &pos) const
{
    return linkAt(cursorForPosition(pos).blockNumber());
}

void TracebackView::mouseMoveEvent(QMouseEvent *event)
{
    QPlainTextEdit::mouseMoveEvent(event);
    const bool overLink = linkAtPosition(event->position().toPoint()).isValid();
    viewport()->setCursor(overLink ? Qt::PointingHandCursor : Qt::IBeamCursor);
}

void TracebackView::mouseReleaseEvent(QMouseEvent *event)
{
    QPlainTextEdit::mouseReleaseEvent(event);
    if (event->button() != Qt::LeftButton || textCursor().hasSelection())
        return; // selecting text to copy it is no click on a link
    if (const SourceLocation location = linkAtPosition(event->position().toPoint()); location.isValid())
        Q_EMIT locationActivated(location);
}

} // namespace QtPyVenvApp
