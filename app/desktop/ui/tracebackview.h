// SPDX-License-Identifier: MIT
#pragma once

#include "core/sourcelocation.h"

#include <QPlainTextEdit>

namespace QtPyVenvApp {

/*!
 * A read-only view of an error and its traceback in which the frames into given files
 * (the environment's sources) are links: underlined, and a click on one says where it points.
 */
class TracebackView : public QPlainTextEdit
{
    Q_OBJECT

public:
    explicit TracebackView(QWidget *parent = nullptr);
    //! Shows \a text; its `File "...", line N` lines naming one of \a linkedFiles become links.
    void setTraceback(const QString &text, const QStringList &linkedFiles);
    //! The location the link on line \a line (0-based) points at, invalid when it is no link.
    SourceLocation linkAt(int line) const;

Q_SIGNALS:
    //! A link to \a location was clicked.
    void locationActivated(const QtPyVenvApp::SourceLocation &location);

protected:
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;

private:
    SourceLocation linkAtPosition(const QPoint &pos) const;

    QStringList m_linkedFiles;
};

} // namespace QtPyVenvApp
