# COPY (copy) accuracy vs length — data in copy_state_copy_accuracy.csv
set datafile separator ','
set title 'COPY (copy) accuracy vs length'
set xlabel 'longest string L (tokens)'
set ylabel 'whole-answer accuracy'
set key top left box opaque
set grid
set terminal pngcairo size 900,600 noenhanced font 'Sans,11'
set output 'copy_state_copy_accuracy.png'
plot 'copy_state_copy_accuracy.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with linespoints lw 2 title 'Mamba N=1', \
     'copy_state_copy_accuracy.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with linespoints lw 2 title 'Mamba N=2', \
     'copy_state_copy_accuracy.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with linespoints lw 2 title 'Mamba N=3', \
     'copy_state_copy_accuracy.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with linespoints lw 2 title 'Mamba N=4', \
     'copy_state_copy_accuracy.csv' skip 1 using 2:($1 == 4 ? $3 : 1/0) with linespoints lw 2 title 'transformer d64×2'
set terminal svg size 900,600 font 'Sans,11' noenhanced
set output 'copy_state_copy_accuracy.svg'
plot 'copy_state_copy_accuracy.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with linespoints lw 2 title 'Mamba N=1', \
     'copy_state_copy_accuracy.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with linespoints lw 2 title 'Mamba N=2', \
     'copy_state_copy_accuracy.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with linespoints lw 2 title 'Mamba N=3', \
     'copy_state_copy_accuracy.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with linespoints lw 2 title 'Mamba N=4', \
     'copy_state_copy_accuracy.csv' skip 1 using 2:($1 == 4 ? $3 : 1/0) with linespoints lw 2 title 'transformer d64×2'
unset output
