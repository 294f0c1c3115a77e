// SPDX-License-Identifier: MIT
// Helpers shared by the app tests.
#pragma once

#include <QApplication>
#include <QObject>
#include <QTimer>
#include <QWidget>

#include <functional>

namespace AppTestUtil {

/*!
 * Runs \a handle on the first modal dialog of type T to appear, from the event loop of its
 * exec(); polls at a short interval (no fixed wait). \a handle must close the dialog.
 */
template <typename T>
void whenModal(QObject *context, std::function<void(T *)> handle)
{
    auto *poll = new QTimer(context);
    poll->setInterval(5);
    QObject::connect(poll, &QTimer::timeout, context, [poll, handle] {
        if (auto *dialog = qobject_cast<T *>(QApplication::activeModalWidget())) {
            poll->stop();
            poll->deleteLater();
            handle(dialog);
        }
    });
    poll->start();
}

} // namespace AppTestUtil
