// SPDX-License-Identifier: MIT
#include "sourceeditor.h"

#include "colors.h"
#include "pythonhighlighter.h"

#include <QFontDatabase>
#include <QHelpEvent>
#include <QPainter>
#include <QTextBlock>
#include <QToolTip>

namespace QtPyVenvApp {

//! The strip left of the text with the line numbers and the error marker; SourceEditor paints it.
class LineNumberGutter : public QWidget
{
public:
    explicit LineNumberGutter(SourceEditor *editor)
        : QWidget(editor)
        , m_editor(editor)
    {
        setObjectName(QStringLiteral("lineNumberGutter"));
    }
    QSize sizeHint() const override { return {m_editor->gutterWidth(), 0}; }

protected:
    void paintEvent(QPaintEvent *event) override { m_editor->paintGutter(event); }
    bool event(QEvent *event) override
    {
        if (event->type() != QEvent::ToolTip)
            return QWidget::event(event);
        const auto *help = static_cast<QHelpEvent *>(event);
        QToolTip::showText(help->globalPos(), m_editor->toolTipAt(help->pos().y()), this);
        return true;
    }

private:
    SourceEditor *m_editor;
};

namespace {
constexpr int GutterPadding = 4; // each side of the numbers
}

SourceEditor::SourceEditor(QWidget *parent)
    : QPlainTextEdit(parent)
    , m_gutter(new LineNumberGutter(this))
    , m_highlighter(new PythonHighlighter(document()))
{
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setLineWrapMode(NoWrap);
    setTabStopDistance(fontMetrics().horizontalAdvance(QLatin1Char(' ')) * 4);
    m_highlighter->setPalette(palette());
    connect(this, &QPlainTextEdit::blockCountChanged, this, &SourceEditor::updateGutterWidth);
    connect(this, &QPlainTextEdit::updateRequest, this, &SourceEditor::updateGutter);
    connect(this, &QPlainTextEdit::cursorPositionChanged, this, &SourceEditor::updateLineBackgrounds);
    updateGutterWidth();
    updateLineBackgrounds();
}

SourceEditor::~SourceEditor() = default;

int SourceEditor::gutterWidth() const
{
    int digits = 1;
    for (int max = qMax(1, blockCount()); max >= 10; max /= 10)
        ++digits;
    // The marker sits left of the numbers and takes a digit's width.
    return GutterPadding * 2 + fontMetrics().horizontalAdvance(QLatin1Char('9')) * (digits + 1);
}

void SourceEditor::setErrorMark(int line, const QString &message)
{
    m_errorLine = line > 0 && line <= blockCount() ? line : 0;
    m_errorMessage = m_errorLine ? message : QString();
    updateLineBackgrounds();
}

void SourceEditor::goToLine(int line)
{
    const QTextBlock block = document()->findBlockByNumber(qBound(1, line, blockCount()) - 1);
    setTextCursor(QTextCursor(block));
    centerCursor();
}

void SourceEditor::resizeEvent(QResizeEvent *event)
{
    QPlainTextEdit::resizeEvent(event);
    const QRect r = contentsRect();
    m_gutter->setGeometry(QRect(r.left(), r.top(), gutterWidth(), r.height()));
}

void SourceEditor::changeEvent(QEvent *event)
{
    QPlainTextEdit::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        m_highlighter->setPalette(palette());
        updateLineBackgrounds();
    } else if (event->type() == QEvent::FontChange) {
        updateGutterWidth();
    }
}

bool SourceEditor::viewportEvent(QEvent *event)
{
    if (event->type() != QEvent::ToolTip)
        return QPlainTextEdit::viewportEvent(event);
    const auto *help = static_cast<QHelpEvent *>(event);
    QToolTip::showText(help->globalPos(), toolTipAt(help->pos().y()), viewport());
    return true;
}

QString SourceEditor::toolTipAt(int y) const
{
    const int line = cursorForPosition(QPoint(0, y)).blockNumber() + 1;
    return line == m_errorLine ? m_errorMessage : QString();
}

void SourceEditor::updateGutterWidth()
{
    setViewportMargins(gutterWidth(), 0, 0, 0);
    const QRect r = contentsRect();
    m_gutter->setGeometry(QRect(r.left(), r.top(), gutterWidth(), r.height()));
}

void SourceEditor::updateGutter(const QRect &rect, int dy)
{
    if (dy)
        m_gutter->scroll(0, dy);
    else
        m_gutter->update(0, rect.y(), m_gutter->width(), rect.height());
}

void SourceEditor::updateLineBackgrounds()
{
    QList<QTextEdit::ExtraSelection> selections;
    if (m_errorLine > 0) {
        QTextEdit::ExtraSelection error;
        error.format.setBackground(errorLineBackground(palette()));
        error.format.setProperty(QTextFormat::FullWidthSelection, true);
        error.cursor = QTextCursor(document()->findBlockByNumber(m_errorLine - 1));
        selections << error;
    }
    if (!isReadOnly() && currentLine() != m_errorLine) { // the error's tint wins
        QTextEdit::ExtraSelection current;
        current.format.setBackground(currentLineBackground(palette()));
        current.format.setProperty(QTextFormat::FullWidthSelection, true);
        current.cursor = textCursor();
        current.cursor.clearSelection();
        selections << current;
    }
    setExtraSelections(selections);
    m_gutter->update(); // the current line's number stands out
}

void SourceEditor::paintGutter(QPaintEvent *event)
{
    QPainter painter(m_gutter);
    painter.fillRect(event->rect(), palette().color(QPalette::Window));
    const int digit = fontMetrics().horizontalAdvance(QLatin1Char('9'));
    const int numbersLeft = GutterPadding + digit;
    QTextBlock block = firstVisibleBlock();
    int top = qRound(blockBoundingGeometry(block).translated(contentOffset()).top());
    while (block.isValid() && top <= event->rect().bottom()) {
        const int height = qRound(blockBoundingRect(block).height());
        const int line = block.blockNumber() + 1;
        if (block.isVisible() && top + height >= event->rect().top()) {
            if (line == m_errorLine) {
                const int size = qMin(digit, fontMetrics().height()) - 2;
                painter.setPen(Qt::NoPen);
                painter.setBrush(stderrColor(palette()));
                painter.setRenderHint(QPainter::Antialiasing);
                painter.drawEllipse(QRect(GutterPadding, top + (fontMetrics().height() - size) / 2, size, size));
            }
            painter.setPen(palette().color(line == currentLine() ? QPalette::Text : QPalette::PlaceholderText));
            painter.drawText(QRect(numbersLeft, top, m_gutter->width() - numbersLeft - GutterPadding, fontMetrics().height()),
                             Qt::AlignRight | Qt::AlignVCenter, QString::number(line));
        }
        block = block.next();
        top += height;
    }
}

} // namespace QtPyVenvApp
