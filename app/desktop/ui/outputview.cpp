// SPDX-License-Identifier: MIT
#include "outputview.h"

#include "colors.h"
#include "core/environment.h"

#include <QCheckBox>
#include <QEvent>
#include <QGuiApplication>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QTextBlock>
#include <QTimer>
#include <QVBoxLayout>

namespace QtPyVenvApp {

OutputView::OutputView(QWidget *parent)
    : QWidget(parent)
    , m_editor(new QPlainTextEdit(this))
    , m_follow(new QCheckBox(tr("&Follow"), this))
    , m_find(new QLineEdit(this))
    , m_dropped(new QLabel(this))
    , m_flushTimer(new QTimer(this))
{
    for (auto &decoder : m_decoders)
        decoder = QStringDecoder(QStringDecoder::Utf8);
    m_editor->setObjectName(QStringLiteral("outputText"));
    m_editor->setReadOnly(true);
    m_editor->setUndoRedoEnabled(false);
    m_editor->setMaximumBlockCount(MaxBlocks);
    m_editor->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_editor->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_follow->setObjectName(QStringLiteral("outputFollow"));
    m_follow->setChecked(true);
    m_follow->setToolTip(tr("Keep the newest output in view"));
    m_find->setObjectName(QStringLiteral("outputFind"));
    m_find->setPlaceholderText(tr("Find (Ctrl+F, Enter: next, Shift+Enter: previous)"));
    m_find->setClearButtonEnabled(true);
    m_dropped->setObjectName(QStringLiteral("outputDropped"));
    auto *clearButton = new QPushButton(tr("C&lear"), this);
    clearButton->setObjectName(QStringLiteral("outputClear"));
    auto *legend = new QLabel(this);
    legend->setObjectName(QStringLiteral("outputLegend"));
    const QPalette p = palette();
    legend->setText(tr("stdout · <span style='color:%1'>stderr</span> · <span style='color:%2'>pip</span>")
                        .arg(stderrColor(p).name(), pipColor(p).name()));

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_follow);
    bar->addWidget(clearButton);
    bar->addWidget(m_find, 1);
    bar->addWidget(m_dropped);
    bar->addWidget(legend);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(m_editor, 1);

    m_flushTimer->setInterval(FlushIntervalMs);
    m_flushTimer->setSingleShot(true);
    connect(m_flushTimer, &QTimer::timeout, this, &OutputView::flush);
    connect(clearButton, &QPushButton::clicked, this, &OutputView::clear);
    connect(m_find, &QLineEdit::returnPressed, this, [this] {
        find(QGuiApplication::keyboardModifiers() & Qt::ShiftModifier);
    });
    connect(m_follow, &QCheckBox::toggled, this, [this](bool on) {
        if (on)
            m_editor->verticalScrollBar()->setValue(m_editor->verticalScrollBar()->maximum());
    });
}

void OutputView::setEnvironment(Environment *environment)
{
    if (environment == m_environment)
        return;
    disconnect(m_outputConnection);
    disconnect(m_droppedConnection);
    disconnect(m_clearedConnection);
    m_environment = environment;
    if (environment) {
        m_outputConnection = connect(environment, &Environment::outputReceived, this, &OutputView::enqueue);
        m_droppedConnection = connect(environment, &Environment::outputDropped, this, &OutputView::enqueueDropped);
        m_clearedConnection = connect(environment, &Environment::outputCleared, this, &OutputView::reload);
    }
    reload();
}

void OutputView::reload()
{
    m_pending.clear();
    m_skippedBytes = 0;
    for (auto &decoder : m_decoders)
        decoder.resetState();
    m_editor->clear();
    m_dropped->clear();
    if (!m_environment)
        return;
    for (const OutputChunk &chunk : m_environment->output().chunks()) {
        enqueueDropped(chunk.stream, chunk.droppedBefore);
        enqueue(chunk.stream, chunk.data);
    }
    flush();
}

QString OutputView::text() const
{
    return m_editor->toPlainText();
}

void OutputView::clear()
{
    if (m_environment)
        m_environment->clearOutput(); // reloads through outputCleared
    else
        reload();
}

void OutputView::enqueueDropped(OutputStream stream, qint64 bytes)
{
    m_pending.appendDropped(stream, bytes);
    if (!m_flushTimer->isActive())
        m_flushTimer->start();
}

void OutputView::enqueue(OutputStream stream, const QByteArray &data)
{
    // Only the newest MaxFlushBytes of a burst are kept: the rest would scroll out anyway.
    m_pending.append(stream, data);
    if (!m_flushTimer->isActive())
        m_flushTimer->start();
}

void OutputView::flush()
{
    if (m_pending.chunks().isEmpty())
        return;
    QScrollBar *bar = m_editor->verticalScrollBar();
    const int oldValue = bar->value();
    QTextCursor cursor(m_editor->document());
    cursor.movePosition(QTextCursor::End);
    cursor.beginEditBlock();
    const QPalette p = palette();
    QTextCharFormat plain;
    plain.setForeground(p.color(QPalette::Text));
    QTextCharFormat err = plain;
    err.setForeground(stderrColor(p));
    QTextCharFormat pip = plain;
    pip.setForeground(pipColor(p));
    QTextCharFormat notice = plain;
    notice.setForeground(p.color(QPalette::PlaceholderText));
    notice.setFontItalic(true);
    for (const OutputChunk &chunk : m_pending.chunks()) {
        QStringDecoder &decoder = m_decoders[int(chunk.stream)];
        if (chunk.droppedBefore > 0) {
            decoder.resetState(); // a character cut by the gap is not completed after it
            if (!cursor.atBlockStart())
                cursor.insertText(QStringLiteral("\n"));
            cursor.insertText(droppedNotice(chunk.stream, chunk.droppedBefore) + QLatin1Char('\n'), notice);
        }
        const QString text = decoder.decode(chunk.data);
        cursor.insertText(text, chunk.stream == OutputStream::Stderr ? err
                                : chunk.stream == OutputStream::Pip  ? pip
                                                                     : plain);
    }
    // MaxBlocks bounds the lines; this bounds one endless line (output without newlines).
    if (const int chars = m_editor->document()->characterCount(); chars > MaxCharacters) {
        cursor.movePosition(QTextCursor::Start);
        cursor.setPosition(chars - MaxCharacters / 2, QTextCursor::KeepAnchor);
        cursor.removeSelectedText();
    }
    cursor.endEditBlock();
    m_skippedBytes += m_pending.droppedBytes();
    m_pending.clear();
    const qint64 dropped = m_skippedBytes + (m_environment ? m_environment->output().droppedBytes() : 0);
    m_dropped->setText(dropped > 0 ? tr("%1 KiB not shown").arg(dropped / 1024) : QString());
    if (m_follow->isChecked())
        bar->setValue(bar->maximum());
    else
        bar->setValue(oldValue);
}

void OutputView::find(bool backward)
{
    const QString needle = m_find->text();
    if (needle.isEmpty())
        return;
    const QTextDocument::FindFlags flags = backward ? QTextDocument::FindBackward : QTextDocument::FindFlags();
    if (!m_editor->find(needle, flags)) {
        // wrap around
        m_editor->moveCursor(backward ? QTextCursor::End : QTextCursor::Start);
        m_editor->find(needle, flags);
    }
    m_follow->setChecked(false);
}

void OutputView::findNext() { find(false); }
void OutputView::findPrevious() { find(true); }

void OutputView::focusFind()
{
    m_find->setFocus();
    m_find->selectAll();
}

void OutputView::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange && m_environment)
        QTimer::singleShot(0, this, &OutputView::reload); // recolour for the new palette
    QWidget::changeEvent(event);
}

} // namespace QtPyVenvApp
