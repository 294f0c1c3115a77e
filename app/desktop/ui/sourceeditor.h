// SPDX-License-Identifier: MIT
#pragma once

#include <QPlainTextEdit>

namespace QtPyVenvApp {

class LineNumberGutter;
class PythonHighlighter;

/*!
 * A Python source editor: syntax colouring (PythonHighlighter), line numbers in a gutter, the
 * current line tinted, and one error line marked (a gutter marker, a background and the error
 * as its tooltip). Colours follow the palette, dark ones included.
 */
class SourceEditor : public QPlainTextEdit
{
    Q_OBJECT

public:
    explicit SourceEditor(QWidget *parent = nullptr);
    ~SourceEditor() override;

    PythonHighlighter *highlighter() const { return m_highlighter; }
    //! The gutter's width: room for the largest line number.
    int gutterWidth() const;
    //! Marks \a line (1-based) as where \a message points; 0 clears the mark.
    void setErrorMark(int line, const QString &message);
    int errorLine() const { return m_errorLine; }
    QString errorMessage() const { return m_errorMessage; }
    //! Puts the cursor at the start of \a line (1-based) and scrolls it into view.
    void goToLine(int line);
    //! The cursor's line, 1-based.
    int currentLine() const { return textCursor().blockNumber() + 1; }

protected:
    void resizeEvent(QResizeEvent *event) override;
    void changeEvent(QEvent *event) override;
    bool viewportEvent(QEvent *event) override;

private:
    friend class LineNumberGutter;
    void paintGutter(QPaintEvent *event);
    //! The error message when viewport coordinate \a y is on the error line, else empty.
    QString toolTipAt(int y) const;
    void updateGutterWidth();
    void updateGutter(const QRect &rect, int dy);
    void updateLineBackgrounds();

    LineNumberGutter *m_gutter;
    PythonHighlighter *m_highlighter;
    int m_errorLine = 0;
    QString m_errorMessage;
};

} // namespace QtPyVenvApp
